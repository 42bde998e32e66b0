import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

let harness: Harness;

beforeEach(async () => {
  // Jobs long enough that both runs still see each other's job after submitting.
  harness = await Harness.start({ jobDurationMs: 1500 });
});

afterEach(async () => {
  await harness.stop();
});

/** Jobs that produced or will produce a backup. */
function liveJobs() {
  return harness.double.jobs().filter((j) => j.status === 'running' || j.status === 'pending' || j.status === 'succeeded');
}

describe('two runs for one collection at the same moment', () => {
  test('leave only the full backup when a full and an incremental coincide', async () => {
    await harness.lambda.run('full');
    await harness.double.whenJobsSettled();
    const before = new Set(harness.double.jobs().map((j) => j.jobId));
    const [full, incremental] = await Promise.all([harness.lambda.run('full'), harness.lambda.run('incremental')]);
    guard.inspect([full, incremental]);
    await harness.double.whenJobsSettled();
    const survivors = liveJobs().filter((j) => !before.has(j.jobId));
    expect(survivors).toHaveLength(1);
    expect(full).toMatchObject({ action: 'submitted', kind: 'full', jobId: survivors[0].jobId });
    expect(incremental.action === 'superseded' ? incremental.jobId : undefined).toBe(survivors[0].jobId);
  });

  test('leave one backup when the same event is delivered twice', async () => {
    await harness.lambda.run('full');
    await harness.double.whenJobsSettled();
    const before = new Set(harness.double.jobs().map((j) => j.jobId));
    const results = await Promise.all([harness.lambda.run('incremental'), harness.lambda.run('incremental')]);
    guard.inspect(results);
    await harness.double.whenJobsSettled();
    const survivors = liveJobs().filter((j) => !before.has(j.jobId));
    expect(survivors).toHaveLength(1);
    const winner = results.find((r) => r.action === 'submitted');
    expect(winner?.jobId).toBe(survivors[0].jobId);
    // The other run either saw the first job before submitting (skipped) or lost the arbitration.
    expect(results.filter((r) => r.action !== 'submitted').map((r) => r.action)).toEqual([expect.stringMatching(/^(skipped|superseded)$/)]);
  });

  /** Both runs have read the job table; the incremental's statement reaches the cluster a second later. */
  test('the run that looks last cancels its own job when it loses, and reports superseded', async () => {
    await harness.lambda.run('full');
    harness.double.injectFault({ kind: 'slow', delayMs: 1000, on: /^BACKUP INTO LATEST/ });
    const [full, incremental] = await Promise.all([harness.lambda.run('full'), harness.lambda.run('incremental')]);
    guard.inspect([full, incremental]);
    expect(full).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(incremental).toMatchObject({ action: 'superseded', jobId: full.jobId });
    const cancels = harness.double.statements.filter((s) => s.text.startsWith('CANCEL JOB'));
    expect(cancels).toEqual([expect.objectContaining({ params: [incremental.submittedJobIds[0]] })]);
  });

  /** The full backup's statement arrives a second late: the incremental's run looked first and saw no conflict. */
  test('the run that looked first learns from its canceled job that it lost, and reports superseded', async () => {
    await harness.lambda.run('full');
    harness.double.injectFault({ kind: 'slow', delayMs: 1000, on: /^BACKUP INTO 's3/ });
    const [full, incremental] = await Promise.all([harness.lambda.run('full'), harness.lambda.run('incremental')]);
    guard.inspect([full, incremental]);
    expect(full).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(incremental).toMatchObject({ action: 'superseded', jobId: full.jobId });
    expect(incremental.reportedJobs.map((j) => j.status)).not.toContain('canceled');
    const cancels = harness.double.statements.filter((s) => s.text.startsWith('CANCEL JOB'));
    expect(cancels).toEqual([expect.objectContaining({ params: [incremental.submittedJobIds[0]] })]);
  });
});
