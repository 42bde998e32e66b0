import { buildRestoreStatement } from '../../lambda/backup/drill/restore-statement';
import { Cursor } from '../support/sql/cursor';
import { formatName, parseRestore, restoreDescription } from '../support/sql/restore-statement';
import { SqlError } from '../support/sql/sql-error';

const source = 's3://bucket/prod?AWS_ACCESS_KEY_ID=AKIA&AWS_SECRET_ACCESS_KEY=s%2Fk';
const parse = (text: string): ReturnType<typeof parseRestore> => parseRestore(new Cursor(text, []));
const refusal = (text: string): SqlError => {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
  throw new Error('expected the statement to be refused');
};

describe("the double's RESTORE parser reads what the project's builder writes", () => {
  test('a drill: quoted database, point in time, both validation options, new name, DETACHED', () => {
    const text = buildRestoreStatement({ database: 'Movr', source, asOf: new Date('2026-11-30T12:00:00.123Z'), newDatabaseName: 'crdb_drill_movr', mode: 'verify-data', detached: true });
    expect(parse(text)).toEqual({
      databases: ['Movr'],
      subdir: undefined,
      uri: source,
      asOf: '2026-11-30 12:00:00.123000+00:00',
      schemaOnly: true,
      verifyData: true,
      newDbName: 'crdb_drill_movr',
      detached: true,
    });
  });

  test('a cluster restore from a named full backup, without options', () => {
    const text = buildRestoreStatement({ source, subdirectory: '/2026/11/29-235950.00', mode: 'restore', detached: false });
    expect(parse(text)).toMatchObject({ databases: undefined, subdir: '/2026/11/29-235950.00', schemaOnly: false, verifyData: false, detached: false });
  });

  test('schema_only alone, from an external connection', () => {
    expect(parse(buildRestoreStatement({ database: 'a', source: 'external://backup_prod', mode: 'schema-only', detached: false }))).toMatchObject({
      uri: 'external://backup_prod',
      schemaOnly: true,
      verifyData: false,
    });
  });
});

describe('RESTORE statement forms the double refuses', () => {
  test('an option given twice is a parse error (42601), as tree.RestoreOptions.CombineWith says', () => {
    const error = refusal(`RESTORE DATABASE a FROM LATEST IN '${source}' WITH schema_only, schema_only`);
    expect([error.code, error.message]).toEqual(['42601', 'schema_only option specified multiple times']);
  });

  test('an option CockroachDB has but the double does not model is refused as such (0A000), never ignored', () => {
    expect(refusal(`RESTORE DATABASE a FROM LATEST IN '${source}' WITH into_db = 'b'`).code).toBe('0A000');
  });

  test('RESTORE TABLE is not modelled (0A000)', () => {
    expect(refusal(`RESTORE TABLE a.t FROM LATEST IN '${source}'`).code).toBe('0A000');
  });

  test('an unknown word is a syntax error', () => {
    expect(refusal(`RESTORE DATABASE a FROM LATEST IN '${source}' WITH nonsense`).message).toBe('at or near "nonsense": syntax error');
  });
});

describe('the RESTORE job description', () => {
  test('names bare lower-case identifiers bare and quotes the others', () => {
    expect([formatName('movr'), formatName('Movr'), formatName('movr drill'), formatName('user')]).toEqual(['movr', '"Movr"', '"movr drill"', '"user"']);
  });

  test('keeps AS OF SYSTEM TIME as written and orders the options as RestoreOptions.Format does', () => {
    const statement = parse(`RESTORE DATABASE "movr" FROM LATEST IN 'external://c' AS OF SYSTEM TIME '2026-11-30 12:00:00+00:00' WITH DETACHED, verify_backup_table_data, schema_only, new_db_name = 'd'`);
    expect(restoreDescription(statement, 'external://c', '2026/11/29-235950.00')).toBe(
      "RESTORE DATABASE movr FROM '/2026/11/29-235950.00' IN 'external://c' AS OF SYSTEM TIME '2026-11-30 12:00:00+00:00' WITH OPTIONS (detached, new_db_name = 'd', schema_only, verify_backup_table_data)",
    );
  });
});
