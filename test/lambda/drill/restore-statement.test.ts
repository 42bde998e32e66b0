import { buildRestoreStatement, sqlIdentifier, sqlTimestamp } from '../../../lambda/backup/drill/restore-statement';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const source = 's3://bucket/prod?AWS_ACCESS_KEY_ID=AKIA&AWS_SECRET_ACCESS_KEY=s%2Fk';

describe('buildRestoreStatement', () => {
  test('a drill: one database, a point in time, every validation option, a new name, detached', () => {
    expect(
      buildRestoreStatement({
        database: 'movr',
        source,
        asOf: new Date('2026-11-30T12:00:00.123Z'),
        newDatabaseName: 'crdb_drill_movr',
        mode: 'verify-data',
        detached: true,
      }),
    ).toBe(
      `RESTORE DATABASE "movr" FROM LATEST IN '${source}' AS OF SYSTEM TIME '2026-11-30 12:00:00.123000+00:00' ` +
        "WITH schema_only, verify_backup_table_data, new_db_name = 'crdb_drill_movr', DETACHED",
    );
  });

  test('a real restore of the whole cluster from a named full backup has no WITH clause', () => {
    expect(buildRestoreStatement({ source, subdirectory: '/2026/11/29-235950.00', mode: 'restore', detached: false })).toBe(
      `RESTORE FROM '/2026/11/29-235950.00' IN '${source}'`,
    );
  });

  test('schema_only alone', () => {
    expect(buildRestoreStatement({ database: 'a', source: 'external://backup_prod', mode: 'schema-only', detached: false })).toBe(
      `RESTORE DATABASE "a" FROM LATEST IN 'external://backup_prod' WITH schema_only`,
    );
  });

  test('fails if a new database name is given for a cluster restore', () => {
    expect(() => buildRestoreStatement({ source, newDatabaseName: 'x', mode: 'restore', detached: false })).toThrow(/new_db_name needs one database/);
  });

  test('quotes identifiers and literals so that names cannot end the statement', () => {
    expect(sqlIdentifier('we"ird')).toBe('"we""ird"');
    expect(buildRestoreStatement({ database: 'd', source, newDatabaseName: "x'; DROP", mode: 'restore', detached: false })).toContain(
      "new_db_name = 'x''; DROP'",
    );
  });

  test('names the chain it read, and no time for its newest end', () => {
    expect(buildRestoreStatement({ database: 'a', source, subdirectory: '/2026/11/29-235950.00', mode: 'verify-data', detached: true })).toBe(
      `RESTORE DATABASE "a" FROM '/2026/11/29-235950.00' IN '${source}' WITH schema_only, verify_backup_table_data, DETACHED`,
    );
  });

  test('timestamps are UTC with microseconds', () => {
    expect(sqlTimestamp(new Date('2026-01-02T03:04:05.006Z'))).toBe('2026-01-02 03:04:05.006000+00:00');
  });
});
