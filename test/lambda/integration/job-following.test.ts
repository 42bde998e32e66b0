import { ENV } from '../../../contract/environment';
import { metricValues } from '../../../lambda/backup/report/publish';
import { BackupResult } from '../../../lambda/backup/report/result';
import { SimulatedClock } from '../../support/clock';
import { SUPPORTED_VERSIONS } from '../../support/cockroach-double';
import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const FOLLOW_PARAMETER = '/cockroach-backup/followed-jobs';
/** The construct's default follow interval (lib/functions/job-following.ts). */
const FOLLOW_INTERVAL_MS = 5 * MINUTE_MS;
/** A run that submits and leaves its job running: 600 ms of budget after the handler's safety margin. */
const SHORT_RUN_MS = 3600;

const SCHEDULES = [
  { name: 'hourly', intervalMs: HOUR_MS },
  { name: 'daily', intervalMs: 24 * HOUR_MS },
  { name: 'weekly', intervalMs: 7 * 24 * HOUR_MS },
] as const;

/** When each invocation ran (simulated) and what it told. */
interface Told {
  readonly at: number;
  readonly result: BackupResult;
}

/**
 * Issue 24: the follow checks (every 5 minutes, the construct's default) follow every
 * backup job of the collection by id until it ends, and tell its end within 15 minutes
 * whatever the backup schedule, exactly once (backup runs tell none); a running job's
 * progress is published and a job whose progress stops raises BackupHung; a look with
 * nothing to follow reads no storage. Simulated time (SimulatedClock,
 * shared by the double and the Lambda): hours pass in an instant.
 */
describe.each(SUPPORTED_VERSIONS)('following backup jobs on CockroachDB %s', (version) => {
  let harness: Harness;
  let clock: SimulatedClock;
  const told: Told[] = [];

  beforeEach(async () => {
    clock = new SimulatedClock();
    harness = await Harness.start({
      version,
      clock,
      environment: { [ENV.followStateParameter]: FOLLOW_PARAMETER, [ENV.hangAfterSeconds]: '3600', [ENV.incrementalIntervalSeconds]: '3600' },
    });
    harness.createParameter(FOLLOW_PARAMETER, '{}');
    told.length = 0;
  });
  afterEach(async () => {
    await harness.stop();
  });

  /** Invokes the Lambda at simulated time `at` (ms since the start; at once if that has passed). */
  async function invokeAt(start: number, at: number, kind: 'full' | 'incremental' | 'follow', remainingMs?: number): Promise<BackupResult> {
    clock.advanceTo(new Date(Math.max(clock.now().getTime(), start + at)));
    const result = await harness.lambda.run(kind, remainingMs);
    guard.inspect(result);
    told.push({ at: clock.now().getTime() - start, result });
    return result;
  }

  const reportsOf = (jobId: string): Told[] => told.filter((t) => t.result.reportedJobs.some((j) => j.jobId === jobId));

  test.each(SCHEDULES)('a 6-hour full backup that fails after 5 hours is told within 15 minutes, once, with $name backups', async ({ intervalMs }) => {
    const start = clock.now().getTime() + FOLLOW_INTERVAL_MS;
    await invokeAt(start, -FOLLOW_INTERVAL_MS, 'follow'); // the watch has started
    harness.double.scriptNextJob({ outcome: 'running' });
    const full = await invokeAt(start, 0, 'full', SHORT_RUN_MS);
    const jobId = full.jobId!;
    expect(full).toMatchObject({ status: 'running', reportedJobs: [] });

    // It fails 5 hours in, a minute after a follow check saw it running.
    await invokeAt(start, 5 * HOUR_MS - MINUTE_MS, 'follow');
    clock.advanceTo(new Date(start + 5 * HOUR_MS));
    harness.double.endJob(jobId, 'failed', 'simulated: the node holding the job lost its disk');
    await harness.double.whenJobsSettled();
    const endedAt = harness.double.jobTimes(jobId).finished!.getTime() - start;

    // The follow checks on their own schedule, and the backup run on its own, through the next backup run.
    const nextBackupRun = Math.ceil((5 * HOUR_MS + 1) / intervalMs) * intervalMs;
    const checks = [1, 2, 3, 4].map((n) => 5 * HOUR_MS - MINUTE_MS + n * FOLLOW_INTERVAL_MS);
    for (const at of [...checks.filter((c) => c < nextBackupRun), nextBackupRun]) {
      await invokeAt(start, at, at === nextBackupRun ? 'incremental' : 'follow', at === nextBackupRun ? SHORT_RUN_MS : undefined);
    }
    await invokeAt(start, nextBackupRun + FOLLOW_INTERVAL_MS, 'follow');

    const reports = reportsOf(jobId);
    expect(reports).toHaveLength(1);
    expect(reports[0].at - endedAt).toBeLessThanOrEqual(15 * MINUTE_MS);
    expect(reports[0].result.reportedJobs).toContainEqual(
      expect.objectContaining({ jobId, kind: 'full', status: 'failed', error: 'simulated: the node holding the job lost its disk' }),
    );
    expect(metricValues(reports[0].result)).toMatchObject({ failed: 1 });
    expect(told.filter((t) => t !== reports[0]).map((t) => metricValues(t.result).failed ?? 0)).not.toContain(1);
  });

  test('a job that ended 13 hours before the next look is told, by id (SHOW JOBS VALUES has no 12-hour window)', async () => {
    const start = clock.now().getTime();
    harness.double.scriptNextJob({ outcome: 'running' });
    const jobId = (await invokeAt(start, 0, 'full', SHORT_RUN_MS)).jobId!;
    await invokeAt(start, FOLLOW_INTERVAL_MS, 'follow');
    clock.advanceTo(new Date(start + 11 * HOUR_MS));
    harness.double.endJob(jobId, 'succeeded');
    await harness.double.whenJobsSettled();
    // No look for 13 hours (the follow function was stopped, say): plain SHOW JOBS has forgotten the job.
    harness.double.clearStatements();
    const next = await invokeAt(start, 24 * HOUR_MS, 'follow');
    expect(harness.double.statements.map((s) => s.text)).toContain(`SHOW JOBS VALUES (${jobId})`);
    expect(next.reportedJobs).toEqual([expect.objectContaining({ jobId, kind: 'full', status: 'succeeded' })]);
    expect(next.reportedJobs[0].durationSeconds).toBeGreaterThanOrEqual(11 * 3600 - 1);
    expect((await invokeAt(start, 24 * HOUR_MS + FOLLOW_INTERVAL_MS, 'follow')).reportedJobs).toEqual([]);
  });

  test('a job stuck at 40% for HANG_AFTER_SECONDS raises BackupHung, naming the job; its progress is published meanwhile', async () => {
    const start = clock.now().getTime();
    await invokeAt(start, 0, 'follow');
    harness.double.scriptNextJob({ outcome: 'running' });
    const jobId = (await invokeAt(start, 0, 'full', SHORT_RUN_MS)).jobId!;
    harness.double.setJobProgress(jobId, 0.4);
    const moving = await invokeAt(start, 10 * MINUTE_MS, 'follow');
    expect(moving.following).toEqual({ running: [{ jobId, kind: 'full', fraction: 0.4 }], hung: [] });
    expect(metricValues(moving)).toMatchObject({ fractionCompleted: [0.4], hung: 0 });
    const notYet = await invokeAt(start, 65 * MINUTE_MS, 'follow');
    expect(metricValues(notYet)).toMatchObject({ hung: 0 });
    const stuck = await invokeAt(start, 71 * MINUTE_MS, 'follow');
    expect(stuck.following?.hung).toEqual([expect.objectContaining({ jobId, kind: 'full', fraction: 0.4 })]);
    expect(Date.parse(stuck.following!.hung[0].since) - start).toBeGreaterThanOrEqual(10 * MINUTE_MS);
    expect(Date.parse(stuck.following!.hung[0].since) - start).toBeLessThan(11 * MINUTE_MS);
    expect(metricValues(stuck)).toMatchObject({ hung: 1, fractionCompleted: [0.4] });
    // Progress again: no longer hung.
    harness.double.setJobProgress(jobId, 0.5);
    expect(metricValues(await invokeAt(start, 76 * MINUTE_MS, 'follow'))).toMatchObject({ hung: 0, fractionCompleted: [0.5] });
  });

  test('a follow check with nothing to follow costs the state, at most the cached connection secret and one round trip: no storage read', async () => {
    const secretsBefore = harness.secretFetches();
    harness.double.clearStatements();
    const first = await harness.lambda.run('follow');
    expect(first).toMatchObject({ action: 'passed', kind: 'follow', reportedJobs: [], stats: { sqlRoundTrips: 1, secretFetches: 1 } });
    const second = await harness.lambda.run('follow');
    expect(second.stats).toEqual({ sqlRoundTrips: 1, secretFetches: 0 });
    // The connection secret once (then cached); never the access key; no SHOW BACKUP, so no S3 request.
    expect(harness.secretFetches() - secretsBefore).toBe(1);
    expect(harness.double.statements.map((s) => s.text)).toEqual([
      "SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'",
      "SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'",
    ]);
  });
});
