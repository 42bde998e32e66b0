import { BACKUP_USER, BUCKET, COLLECTION, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { CockroachDouble } from '../../support/cockroach-double';

const guard = installSecretGuard();

let harness: Harness;
let restored: CockroachDouble;

beforeEach(async () => {
  harness = await Harness.start();
  // A cluster restored from the original's backup: another cluster id, its own (empty) job table.
  restored = await CockroachDouble.start({ clusterId: '7d9f0c8e-3b1a-4c5d-9e2f-1a2b3c4d5e6f', users: [BACKUP_USER], jobDurationMs: 30 });
});

afterEach(async () => {
  await restored.stop();
  await harness.stop();
});

/**
 * The original cluster has a chain in the collection; then the restored cluster, backed
 * up by its own deployment into the same collection, writes a full backup there. LATEST
 * now belongs to the restored cluster.
 */
async function restoredClusterTakesOverTheCollection(): Promise<void> {
  await harness.lambda.run('full');
  await harness.lambda.run('incremental');
  const result = await harness.deploy(restored).run('incremental');
  guard.inspect(result);
  // Its job table knows no backup of the collection: it starts with a full backup, not INTO LATEST.
  expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded' });
}

describe('a collection written by another cluster (a restored cluster)', () => {
  test('gets a full backup from the restored cluster, whose job table knows no backup of it', async () => {
    await restoredClusterTakesOverTheCollection();
    const fulls = (await harness.s3.listKeys(BUCKET, `${COLLECTION}/`)).filter((k) => /\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\/BACKUP_MANIFEST$/.test(k));
    expect(fulls).toHaveLength(2);
  });

  test('is re-baselined in the same run when the incremental fails and AUTO_REBASELINE is true', async () => {
    await restoredClusterTakesOverTheCollection();
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', chainLength: 0 });
    expect(result.submittedJobIds).toHaveLength(2);
    expect(result.reportedJobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'incremental', status: 'failed', error: expect.stringContaining('previous BACKUP belongs to cluster') })]),
    );
    expect(result.message).toMatch(/failed \(previous BACKUP belongs to cluster .*\), so a full backup was taken: full backup job \d+ succeeded$/);
  });

  test("fails with the runbook's instruction when AUTO_REBASELINE is false", async () => {
    harness.lambda.setEnvironment({ AUTO_REBASELINE: 'false' });
    await restoredClusterTakesOverTheCollection();
    const { error } = await harness.lambda.invoke('incremental');
    guard.inspect(error);
    expect(error?.message).toContain('the collection was written by another cluster (the cluster was restored from a backup)');
    expect(error?.message).toContain(`take a full backup to start a new chain (BACKUP INTO 's3://${BUCKET}/${COLLECTION}' AS OF SYSTEM TIME '-10s' WITH DETACHED`);
    expect(error?.message).toContain("set the construct's autoRebaseline prop (AUTO_REBASELINE=true)");
  });

  test('takes no further incremental until a full backup is taken, when AUTO_REBASELINE is false', async () => {
    harness.lambda.setEnvironment({ AUTO_REBASELINE: 'false' });
    await restoredClusterTakesOverTheCollection();
    await harness.lambda.invoke('incremental');
    const jobsBefore = harness.double.jobs().length;
    const { error } = await harness.lambda.invoke('incremental');
    guard.inspect(error);
    expect(error?.message).toContain('take a full backup to start a new chain');
    expect(harness.double.jobs()).toHaveLength(jobsBefore);
    expect(await harness.lambda.run('full')).toMatchObject({ kind: 'full', status: 'succeeded' });
    expect(await harness.lambda.run('incremental')).toMatchObject({ kind: 'incremental', status: 'succeeded', chainLength: 1 });
  });
});

describe('an incremental that outlived the GC TTL', () => {
  test('is re-baselined in the same run when AUTO_REBASELINE is true', async () => {
    await harness.lambda.run('full');
    harness.double.setGcThresholdExceeded(true);
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ kind: 'full', status: 'succeeded', submittedJobIds: [expect.any(String), expect.any(String)] });
    expect(result.message).toContain('must be after replica GC threshold');
  });
});
