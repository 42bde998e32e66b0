import { ROTATED_ACCESS_KEY } from '../helpers/fixtures';
import { ACCESS_KEY, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

let harness: Harness;

/** The access key id of each BACKUP statement the cluster received, in order. */
function backupKeyIds(): string[] {
  return harness.double.statements.filter((s) => s.text.startsWith('BACKUP')).map((s) => /AWS_ACCESS_KEY_ID=([A-Z0-9]+)/.exec(s.text)?.[1] ?? '');
}

/** S3's answer to a deleted or deactivated key, as the double's nodes wrap it into a job's error. */
const REJECTED =
  "s3://backup-bucket/prod_1/cluster returned an unexpected error when checking for the existence of BACKUP_MANIFEST file: failed to get s3 object: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.\n\tstatus code: 403, request id: 0123456789ABCDEF";

/**
 * Makes the access-key secret hold the rotated key after `after` more reads: the
 * rotation completes while a run is going on, between its first read and its retry.
 */
function rotateAfterReads(after: number): void {
  let reads = 0;
  harness.serve(harness.lambda.accessKeySecretArn, () => JSON.stringify(++reads > after ? ROTATED_ACCESS_KEY : ACCESS_KEY));
}

/** The embedded-metric document of the test's last run. */
function lastRunMetrics(): Record<string, unknown> {
  return guard.lines.map((l) => JSON.parse(l)).filter((l) => l._aws !== undefined).pop();
}

afterEach(async () => {
  await harness.stop();
});

describe('a warm Lambda follows a rotation of the access key', () => {
  beforeEach(async () => {
    harness = await Harness.start({ s3Credentials: [ACCESS_KEY, ROTATED_ACCESS_KEY] });
  });

  test("passes the new key to CockroachDB on the first run after the rotation, with one Secrets Manager call per warm run", async () => {
    await harness.lambda.run('full');
    const afterColdStart = harness.secretFetches();
    harness.lambda.accessKeySecret = JSON.stringify(ROTATED_ACCESS_KEY);
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', chainLength: 1, stats: { secretFetches: 1 } });
    expect(backupKeyIds()).toEqual([ACCESS_KEY.accessKeyId, ROTATED_ACCESS_KEY.accessKeyId]);
    expect([afterColdStart, harness.secretFetches()]).toEqual([2, 3]);
  });

  test('retries a job that S3 rejected once with the key a rotation made current, and counts RetriedWithFreshKey', async () => {
    await harness.lambda.run('full');
    rotateAfterReads(1);
    harness.double.scriptNextJob({ outcome: 'failed', error: REJECTED });
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', retriedWithFreshKey: true, stats: { secretFetches: 2 } });
    expect(result.submittedJobIds).toHaveLength(2);
    expect(result.message).toMatch(
      new RegExp(`^S3 rejected access key ${ACCESS_KEY.accessKeyId} \\(InvalidAccessKeyId\\) and the access-key secret now holds ${ROTATED_ACCESS_KEY.accessKeyId} \\(rotated\\), so the backup was retried once with it: incremental backup job \\d+ succeeded$`),
    );
    expect(backupKeyIds()).toEqual([ACCESS_KEY.accessKeyId, ACCESS_KEY.accessKeyId, ROTATED_ACCESS_KEY.accessKeyId]);
    // The failed job is reported (it did fail), and the run says it was retried.
    expect(result.reportedJobs.filter((j) => result.submittedJobIds.includes(j.jobId)).map((j) => j.status)).toEqual(['failed', 'succeeded']);
    const metrics = lastRunMetrics();
    expect(metrics).toMatchObject({ RetriedWithFreshKey: 1, BackupFailed: 1 });
  });

  test('cures a job whose key an immediate retirement deleted while the BACKUP statement was on its way (S3 refuses it for real)', async () => {
    await harness.lambda.run('full');
    // The BACKUP statement is held for 800 ms (less than the 2 s statement timeout); while it
    // is held, the key it carries is deleted and the secret holds the rotated one, as after a
    // leaked key's rotation and immediate retirement.
    harness.double.injectFault({ kind: 'slow', delayMs: 800, on: /^BACKUP/ });
    harness.double.clearStatements();
    const running = harness.lambda.run('incremental', 20_000);
    while (!harness.double.statements.some((s) => s.text.startsWith('BACKUP'))) await new Promise((resolve) => setTimeout(resolve, 5));
    harness.s3.keys.delete(ACCESS_KEY.accessKeyId);
    harness.lambda.accessKeySecret = JSON.stringify(ROTATED_ACCESS_KEY);
    const result = await running;
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', retriedWithFreshKey: true });
    const [rejected, retried] = result.submittedJobIds.map((id) => result.reportedJobs.find((j) => j.jobId === id));
    expect(rejected?.status).toBe('failed');
    expect(rejected?.error).toMatch(/InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records\./);
    expect(retried?.status).toBe('succeeded');
    expect(backupKeyIds()).toEqual([ACCESS_KEY.accessKeyId, ROTATED_ACCESS_KEY.accessKeyId]);
  });

  test('does not retry when the secret still holds the rejected key, and says what to check', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'failed', error: REJECTED });
    const { error } = await harness.lambda.invoke('incremental');
    guard.inspect(error);
    expect(error?.message).toMatch(/incremental backup job \d+ ended failed: .*InvalidAccessKeyId.*\. S3 rejected access key AKIAIOSFODNN7EXAMPLE \(InvalidAccessKeyId\) and the access-key secret still holds it, so no retry was made: check that the key is active/s);
    expect(backupKeyIds()).toHaveLength(2);
    const metrics = lastRunMetrics();
    expect(metrics.RetriedWithFreshKey).toBeUndefined();
  });

  test('retries at most once: a retry that S3 rejects too is reported with what to check', async () => {
    await harness.lambda.run('full');
    rotateAfterReads(1);
    harness.double.scriptNextJob({ outcome: 'failed', error: REJECTED });
    harness.double.scriptNextJob({ outcome: 'failed', error: REJECTED.replace(ACCESS_KEY.accessKeyId, ROTATED_ACCESS_KEY.accessKeyId) });
    const { error } = await harness.lambda.invoke('incremental');
    guard.inspect(error);
    expect(error?.message).toMatch(/ended failed: .*\. S3 rejected access key AKIAROTATEDEXAMPLE01 \(InvalidAccessKeyId\) and it was the fresh key of a retry: check that the key is active/s);
    expect(backupKeyIds()).toEqual([ACCESS_KEY.accessKeyId, ACCESS_KEY.accessKeyId, ROTATED_ACCESS_KEY.accessKeyId]);
  });

  test('a job that fails for another reason is not retried with a key', async () => {
    await harness.lambda.run('full');
    rotateAfterReads(1);
    harness.double.scriptNextJob({ outcome: 'failed', error: 'some other failure' });
    const { error } = await harness.lambda.invoke('full');
    expect(error?.message).toMatch(/full backup job \d+ ended failed: some other failure$/);
    expect(backupKeyIds()).toHaveLength(2);
  });
});

describe('external-connection mode after a rotation', () => {
  beforeEach(async () => {
    harness = await Harness.start({
      s3Credentials: [ACCESS_KEY, ROTATED_ACCESS_KEY],
      environment: { STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' },
    });
    harness.double.grant('backup', 'EXTERNALCONNECTION');
  });

  const connectionStatements = (): string[] => harness.double.statements.filter((s) => /EXTERNAL CONNECTION/i.test(s.text)).map((s) => s.text.split(' AS ')[0]);

  test('a warm Lambda replaces the connection before the next backup uses it', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    harness.lambda.accessKeySecret = JSON.stringify(ROTATED_ACCESS_KEY);
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ kind: 'incremental', status: 'succeeded', stats: { secretFetches: 1 } });
    // 24.3 has no ALTER EXTERNAL CONNECTION (42601): no job runs on the connection, so DROP and CREATE.
    expect(connectionStatements()).toEqual([
      "SHOW CREATE EXTERNAL CONNECTION 'prod_backups'",
      "ALTER EXTERNAL CONNECTION 'prod_backups'",
      "DROP EXTERNAL CONNECTION 'prod_backups'",
      "CREATE EXTERNAL CONNECTION 'prod_backups'",
    ]);
    const order = harness.double.statements.map((s) => s.text.split(' ')[0]);
    expect(order.indexOf('CREATE')).toBeLessThan(order.indexOf('BACKUP'));
  });

  test('a retry after a rejected key replaces the connection with the fresh key first', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    rotateAfterReads(1);
    harness.double.scriptNextJob({ outcome: 'failed', error: REJECTED });
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ status: 'succeeded', retriedWithFreshKey: true });
    expect(connectionStatements()).toEqual([
      "SHOW CREATE EXTERNAL CONNECTION 'prod_backups'",
      "SHOW CREATE EXTERNAL CONNECTION 'prod_backups'",
      "ALTER EXTERNAL CONNECTION 'prod_backups'",
      "DROP EXTERNAL CONNECTION 'prod_backups'",
      "CREATE EXTERNAL CONNECTION 'prod_backups'",
    ]);
    expect(harness.double.statements.find((s) => s.text.startsWith('CREATE EXTERNAL'))?.text).toContain(`AWS_ACCESS_KEY_ID=${ROTATED_ACCESS_KEY.accessKeyId}`);
  });
});
