import { asRoot, BUCKET, COLLECTION, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { LIFECYCLE_VERSIONS } from '../helpers/versions';
import { CockroachDouble } from '../../support/cockroach-double';

const guard = installSecretGuard();

describe.each(LIFECYCLE_VERSIONS)('on CockroachDB %s, as a user with only the BACKUP privilege', (version) => {
  let harness: Harness;
  let restored: CockroachDouble;

  beforeEach(async () => {
    harness = await Harness.start({ version });
    // A cluster restored from the original's backup: another cluster id, its own (empty) job table.
    restored = await harness.startCluster({ clusterId: '7d9f0c8e-3b1a-4c5d-9e2f-1a2b3c4d5e6f' });
  });

  afterEach(async () => {
    await restored.stop();
    await harness.stop();
  });

  /**
   * The original cluster has a chain in the collection; then the restored cluster, backed
   * up by its own deployment into the same collection, takes it over: its incremental
   * fails (the chain is the original's) and is cured with a full backup in the same run.
   * LATEST now belongs to the restored cluster.
   */
  async function restoredClusterTakesOverTheCollection(): Promise<void> {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    const result = await harness.deploy(restored).run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', chainLength: 0 });
    expect(result.submittedJobIds).toHaveLength(2);
  }

  describe('a collection written by another cluster (a restored cluster)', () => {
    test('gets a full backup from the restored cluster in the run whose incremental found the chain foreign', async () => {
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

    test("stops with the runbook's instruction when AUTO_REBASELINE is false, and takes no further incremental", async () => {
      harness.lambda.setEnvironment({ AUTO_REBASELINE: 'false' });
      await restoredClusterTakesOverTheCollection();
      const first = await harness.lambda.invoke('incremental');
      guard.inspect(first.error);
      expect(first.error?.message).toContain('the collection was written by another cluster (the cluster was restored from a backup)');
      expect(first.error?.message).toContain(`take a full backup to start a new chain (BACKUP INTO 's3://${BUCKET}/${COLLECTION}' AS OF SYSTEM TIME '-10s' WITH DETACHED`);
      expect(first.error?.message).toContain("set the construct's autoRebaseline prop (AUTO_REBASELINE=true)");
      const jobsBefore = harness.double.jobs().length;
      const again = await harness.lambda.invoke('incremental');
      guard.inspect(again.error);
      expect(again.error?.message).toContain('take a full backup to start a new chain');
      expect(harness.double.jobs()).toHaveLength(jobsBefore);
    });

    test('tries an incremental again once the failure left the job table\'s 12-hour window, and stops again while the chain is foreign', async () => {
      harness.lambda.setEnvironment({ AUTO_REBASELINE: 'false' });
      await restoredClusterTakesOverTheCollection();
      const first = await harness.lambda.invoke('incremental');
      guard.inspect(first.error);
      harness.double.ageJobs(13 * 3600 * 1000);
      const jobsBefore = harness.double.jobs().length;
      const { error } = await harness.lambda.invoke('incremental');
      guard.inspect(error);
      expect(harness.double.jobs()).toHaveLength(jobsBefore + 1);
      expect(error?.message).toMatch(/^appending to the chain \(0 incrementals\): incremental backup job \d+ failed: the collection was written by another cluster/);
    });

    test('continues incrementally after an operator followed the instruction as root, though the backup user cannot see that job', async () => {
      harness.lambda.setEnvironment({ AUTO_REBASELINE: 'false' });
      await restoredClusterTakesOverTheCollection();
      const { error } = await harness.lambda.invoke('incremental');
      guard.inspect(error);
      // A person reads the alarm: minutes pass. (Within the second of the failure, job times cut to
      // whole seconds from v24.1 could not tell the operator's backup from an earlier one.)
      harness.double.ageJobs(5 * 60 * 1000);
      // The instruction's statement, with the bucket's credentials, as root on the original cluster.
      const statement = /\(BACKUP INTO '([^']+)' (AS OF SYSTEM TIME '-10s' WITH DETACHED(?:, revision_history)?), or invoke/.exec(error?.message ?? '');
      expect(statement).not.toBeNull();
      const credentials = collectionUri().split('?')[1];
      const [job] = await asRoot(harness.double, `BACKUP INTO '${statement![1]}?${credentials}' ${statement![2]}`);
      await harness.double.whenJobsSettled();
      expect(harness.double.jobs().find((j) => j.jobId === String(job.job_id))?.status).toBe('succeeded');
      const next = await harness.lambda.run('incremental');
      guard.inspect(next);
      expect(next).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', chainLength: 1, submittedJobIds: [next.jobId] });
    });
  });

  describe('an incremental that outlived the GC TTL', () => {
    test.each(['true', 'false'])('is re-baselined in the same run when AUTO_REBASELINE is true (REVISION_HISTORY=%s)', async (revisionHistory) => {
      harness.lambda.setEnvironment({ REVISION_HISTORY: revisionHistory });
      await harness.lambda.run('full');
      harness.double.setGcThresholdExceeded(true);
      const result = await harness.lambda.run('incremental');
      guard.inspect(result);
      expect(result).toMatchObject({ kind: 'full', status: 'succeeded', chainLength: 0, submittedJobIds: [expect.any(String), expect.any(String)] });
      expect(result.message).toContain('must be after replica GC threshold');
    });
  });
});
