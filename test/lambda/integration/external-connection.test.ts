import { ROTATED_ACCESS_KEY as ROTATED_KEY } from '../helpers/fixtures';
import { ACCESS_KEY, Harness } from '../helpers/harness';
import { CockroachVersion } from '../../support/cockroach-double';
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
    expect(harness.double.statements.find((s) => s.text.includes('[SHOW BACKUP'))?.text).toBe(
      "SELECT object_name, end_time FROM [SHOW BACKUP FROM LATEST IN 'external://prod_backups'] WHERE object_type = 'database'",
    );
  });

  test('replaces the connection when the access key id changed (a rotation), no job of ours running on it', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    harness.lambda.accessKeySecret = JSON.stringify(ROTATED_KEY);
    const result = await harness.lambda.coldStart().run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ kind: 'incremental', status: 'succeeded', chainLength: 1 });
    expect(connectionStatements()).toEqual([
      "SHOW CREATE EXTERNAL CONNECTION 'prod_backups'",
      // 24.3: no ALTER EXTERNAL CONNECTION (42601).
      "ALTER EXTERNAL CONNECTION 'prod_backups'",
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

/**
 * A job on `external://<name>` resolves the connection each time it opens storage, so a DROP
 * while it runs can fail it (issue 21, item 6): from 25.4 the Lambda alters the connection in
 * place; before, it leaves the old key in it until none of its jobs runs on it.
 */
describe.each([
  ['25.1', 'deferred', ["SHOW CREATE EXTERNAL CONNECTION 'prod_backups'", "ALTER EXTERNAL CONNECTION 'prod_backups'"]],
  ['25.4', 'altered', ["SHOW CREATE EXTERNAL CONNECTION 'prod_backups'", "ALTER EXTERNAL CONNECTION 'prod_backups'"]],
] as const)('a rotation while our backup runs on the external connection, on %s', (version, change, expected) => {
  let rotating: Harness;
  beforeEach(async () => {
    rotating = await Harness.start({
      version: version as CockroachVersion,
      s3Credentials: [ACCESS_KEY, ROTATED_KEY],
      environment: { STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' },
    });
    rotating.double.grant('backup', 'EXTERNALCONNECTION');
  });
  afterEach(async () => {
    await rotating.stop();
  });

  test(`keeps the running job's connection resolvable (${change}), and the job succeeds`, async () => {
    await rotating.lambda.run('full');
    rotating.double.scriptNextJob({ outcome: 'succeeded', durationMs: 2500 });
    // 5 s before the Lambda timeout leave a budget of 2 s: the job outlives the run.
    const running = await rotating.lambda.run('incremental', 5000);
    expect(running).toMatchObject({ action: 'submitted', status: 'running' });
    rotating.double.clearStatements();
    rotating.lambda.accessKeySecret = JSON.stringify(ROTATED_KEY);
    const during = await rotating.lambda.run('incremental', 5000);
    guard.inspect(during);
    expect(during.action).toBe('skipped');
    expect(rotating.double.statements.filter((s) => /EXTERNAL CONNECTION/.test(s.text)).map((s) => s.text.split(' AS ')[0])).toEqual(expected);
    await rotating.double.whenJobsSettled();
    expect(rotating.double.jobs().find((job) => job.jobId === running.jobId)).toMatchObject({ status: 'succeeded', error: '' });
    // The next run, with no job of ours running, brings the connection to the new key.
    rotating.double.clearStatements();
    expect(await rotating.lambda.run('incremental')).toMatchObject({ status: 'succeeded' });
    const created = rotating.double.statements.find((s) => /^(CREATE|ALTER) EXTERNAL/.test(s.text));
    expect(change === 'altered' ? created : created?.text).toEqual(change === 'altered' ? undefined : expect.stringContaining(`AWS_ACCESS_KEY_ID=${ROTATED_KEY.accessKeyId}`));
  });
});
