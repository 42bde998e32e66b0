import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

let harness: Harness;

beforeEach(async () => {
  harness = await Harness.start();
});

afterEach(async () => {
  await harness.stop();
});

/** Jobs that produced or will produce a backup. */
function liveJobs() {
  return harness.double.jobs().filter((j) => j.status === 'running' || j.status === 'pending' || j.status === 'succeeded');
}

describe('two runs for one collection at the same moment', () => {
  /**
   * Makes both runs read the job table before either BACKUP statement runs (every one
   * waits 1.5 s), lets the statement matching `late` arrive 1.5 s after the other, and
   * makes both jobs outlast the race (4 s). Without this, which run looks first is up
   * to the machine's load: a run that looks after the other submitted simply skips, or
   * (a full backup finding an incremental running) waits for it.
   */
  function submitTogether(late?: RegExp): void {
    harness.lambda.setEnvironment({ STATEMENT_TIMEOUT_MS: '5000' });
    harness.double.injectFault({ kind: 'slow', delayMs: 1500, on: /^BACKUP/ });
    if (late !== undefined) harness.double.injectFault({ kind: 'slow', delayMs: 1500, on: late });
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 4000 });
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 4000 });
  }

  function cancelsOf(jobId: string): number {
    const cancels = harness.double.statements.filter((s) => s.text.startsWith('CANCEL JOB'));
    expect(cancels.every((s) => s.params[0] === jobId)).toBe(true);
    return cancels.length;
  }


  test('leave only the full backup when a full and an incremental are submitted together', async () => {
    await harness.lambda.run('full');
    const before = new Set(harness.double.jobs().map((j) => j.jobId));
    submitTogether();
    const [full, incremental] = await Promise.all([harness.lambda.run('full', 30_000), harness.lambda.run('incremental', 30_000)]);
    guard.inspect([full, incremental]);
    await harness.double.whenJobsSettled();
    const survivors = liveJobs().filter((j) => !before.has(j.jobId));
    expect(survivors).toHaveLength(1);
    expect(full).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', jobId: survivors[0].jobId });
    expect(incremental).toMatchObject({ action: 'superseded', jobId: survivors[0].jobId });
  });

  test('leave one backup when the same event is delivered twice', async () => {
    await harness.lambda.run('full');
    const before = new Set(harness.double.jobs().map((j) => j.jobId));
    submitTogether();
    const results = await Promise.all([harness.lambda.run('incremental', 30_000), harness.lambda.run('incremental', 30_000)]);
    guard.inspect(results);
    await harness.double.whenJobsSettled();
    const survivors = liveJobs().filter((j) => !before.has(j.jobId));
    expect(survivors).toHaveLength(1);
    expect(results.map((r) => r.action).sort()).toEqual(['submitted', 'superseded']);
    // Both runs name the surviving job: the lower job id of the two.
    expect(results.map((r) => r.jobId)).toEqual([survivors[0].jobId, survivors[0].jobId]);
    const submitted = results.flatMap((r) => r.submittedJobIds);
    expect(survivors[0].jobId).toBe(submitted.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b)));
  });

  test('leave the next run reporting the canceled loser as superseded, not failed', async () => {
    await harness.lambda.run('full');
    submitTogether();
    const [full, incremental] = await Promise.all([harness.lambda.run('full', 30_000), harness.lambda.run('incremental', 30_000)]);
    guard.inspect([full, incremental]);
    await harness.double.whenJobsSettled();
    const next = await harness.lambda.run('incremental');
    guard.inspect(next);
    expect(next.reportedJobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ jobId: incremental.submittedJobIds[0], status: 'canceled', supersededBy: full.jobId })]),
    );
    const metrics = guard.lines.map((l) => JSON.parse(l)).filter((l) => l._aws !== undefined).pop();
    expect(metrics).toMatchObject({ BackupFailed: 0 });
  });

  test('the run that looks last cancels its own job when it loses, and reports superseded', async () => {
    await harness.lambda.run('full');
    submitTogether(/^BACKUP INTO LATEST/);
    const [full, incremental] = await Promise.all([harness.lambda.run('full', 30_000), harness.lambda.run('incremental', 30_000)]);
    guard.inspect([full, incremental]);
    expect(full).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(incremental).toMatchObject({ action: 'superseded', jobId: full.jobId });
    expect(cancelsOf(incremental.submittedJobIds[0])).toBe(1);
  });

  test('the run that looked first learns from its canceled job that it lost, and reports superseded', async () => {
    await harness.lambda.run('full');
    submitTogether(/^BACKUP INTO 's3/);
    const [full, incremental] = await Promise.all([harness.lambda.run('full', 30_000), harness.lambda.run('incremental', 30_000)]);
    guard.inspect([full, incremental]);
    expect(full).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(incremental).toMatchObject({ action: 'superseded', jobId: full.jobId });
    expect(incremental.reportedJobs.map((j) => j.status)).not.toContain('canceled');
    expect(cancelsOf(incremental.submittedJobIds[0])).toBe(1);
  });
});
