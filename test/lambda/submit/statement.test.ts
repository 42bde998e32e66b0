import { buildBackupStatement, sqlString } from '../../../lambda/backup/submit/statement';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const target = 's3://b/c?AWS_ACCESS_KEY_ID=K&AWS_SECRET_ACCESS_KEY=redacted&AWS_REGION=eu-west-1';

describe('buildBackupStatement', () => {
  test('builds a detached full backup into the collection', () => {
    expect(buildBackupStatement({ kind: 'full', target, asOfSystemTimeSeconds: 10, revisionHistory: false })).toBe(
      `BACKUP INTO '${target}' AS OF SYSTEM TIME '-10s' WITH DETACHED`,
    );
  });

  test('builds an incremental with the documented INTO LATEST IN form and revision history', () => {
    expect(buildBackupStatement({ kind: 'incremental', target, asOfSystemTimeSeconds: 30, revisionHistory: true })).toBe(
      `BACKUP INTO LATEST IN '${target}' AS OF SYSTEM TIME '-30s' WITH DETACHED, revision_history`,
    );
  });
});

describe('sqlString', () => {
  test('doubles single quotes', () => {
    expect(sqlString("it's")).toBe("'it''s'");
  });
});
