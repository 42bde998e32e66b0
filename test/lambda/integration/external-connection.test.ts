import { ROTATED_ACCESS_KEY as ROTATED_KEY } from '../helpers/fixtures';
import { ACCESS_KEY, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

let harness: Harness;

beforeEach(async () => {
  harness = await Harness.start({
    s3Credentials: [ACCESS_KEY, ROTATED_KEY],
    environment: { STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' },
  });
  // The README's grants for this mode: BACKUP and EXTERNALCONNECTION.
  harness.double.grant('backup', 'EXTERNALCONNECTION');
});

afterEach(async () => {
  await harness.stop();
});

/** The external-connection statements the cluster received, without their URIs. */
function connectionStatements(): string[] {
  return harness.double.statements.filter((s) => /EXTERNAL CONNECTION/i.test(s.text)).map((s) => s.text.split(' AS ')[0]);
}

describe('external-connection storage mode', () => {
  test('creates the connection on the first run and backs up into external://<name>', async () => {
    const result = await harness.lambda.run('full');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(connectionStatements()).toEqual(["SHOW CREATE EXTERNAL CONNECTION 'prod_backups'", "CREATE EXTERNAL CONNECTION 'prod_backups'"]);
    expect(harness.double.statements.find((s) => s.text.startsWith('BACKUP'))?.text).toMatch(/^BACKUP INTO 'external:\/\/prod_backups' AS OF SYSTEM TIME/);
  });

  test('reuses the connection on later runs and finds the chain by its name', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ kind: 'incremental', status: 'succeeded', chainLength: 1 });
    expect(connectionStatements()).toEqual(["SHOW CREATE EXTERNAL CONNECTION 'prod_backups'"]);
    // Storage is read through the connection too: no key in any statement.
    expect(harness.double.statements.find((s) => s.text.startsWith('SHOW BACKUP'))?.text).toBe("SHOW BACKUP FROM LATEST IN 'external://prod_backups'");
  });

  test('replaces the connection when the access key id changed (a rotation)', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    harness.lambda.accessKeySecret = JSON.stringify(ROTATED_KEY);
    const result = await harness.lambda.coldStart().run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ kind: 'incremental', status: 'succeeded', chainLength: 1 });
    expect(connectionStatements()).toEqual([
      "SHOW CREATE EXTERNAL CONNECTION 'prod_backups'",
      "DROP EXTERNAL CONNECTION 'prod_backups'",
      "CREATE EXTERNAL CONNECTION 'prod_backups'",
    ]);
    expect(harness.double.statements.find((s) => s.text.startsWith('CREATE EXTERNAL'))?.text).toContain(`AWS_ACCESS_KEY_ID=${ROTATED_KEY.accessKeyId}`);
  });

  test('says what to grant when the user may not create external connections', async () => {
    harness.double.revoke('backup', 'EXTERNALCONNECTION');
    const { error } = await harness.lambda.invoke('full');
    guard.inspect(error);
    expect(error?.message).toMatch(/^creating the external connection prod_backups was refused: .*; run GRANT SYSTEM EXTERNALCONNECTION TO backup$/);
  });
});
