import { ENV } from '../../../contract/environment';
import { SimulatedClock } from '../../support/clock';
import { SUPPORTED_VERSIONS } from '../../support/cockroach-double';
import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const HOUR_MS = 3600 * 1000;

/**
 * Issue 21 item 5: from 24.1 SHOW JOB(S) gives job times in whole seconds, also with ids
 * (#121272). A full backup that fails in the second after a scheduled run saw it running
 * ends, as SHOW JOBS shows it, *before* that run: the next run, one interval later, must
 * still report it. This is the stateless path (no FOLLOW_STATE_PARAMETER: the local
 * runner); the construct's runs follow jobs by id (job-following.test.ts).
 */
describe.each(SUPPORTED_VERSIONS)('on CockroachDB %s, job times in whole seconds', (version) => {
  let harness: Harness;
  let clock: SimulatedClock;
  beforeEach(async () => {
    clock = new SimulatedClock();
    harness = await Harness.start({ version, clock, environment: { [ENV.incrementalIntervalSeconds]: '3600' } });
  });
  afterEach(async () => {
    await harness.stop();
  });

  test('a full backup that fails in the second after a run saw it running is reported by the next run', async () => {
    harness.double.scriptNextJob({ outcome: 'running' });
    // A budget of one second: the run submits and leaves the job running.
    const first = await harness.lambda.run('full', 4000);
    const jobId = first.jobId!;
    expect(first).toMatchObject({ kind: 'full', status: 'running' });

    // The next hourly run starts 200 ms into a second and sees the job running. The clock stands
    // still during the runs that matter, so that a slow machine cannot carry a run's reading of the
    // time into the next second.
    clock.advance(HOUR_MS);
    clock.advanceTo(new Date(Math.ceil(clock.now().getTime() / 1000) * 1000 + 200));
    const seenRunningAt = clock.now();
    clock.freeze();
    const second = await harness.lambda.run('incremental');
    expect(second).toMatchObject({ action: 'skipped', jobId });

    // It fails 500 ms later, within the same second.
    clock.advance(500);
    harness.double.endJob(jobId, 'failed', 'simulated node loss');
    await harness.double.whenJobsSettled();
    expect(harness.double.jobTimes(jobId).finished!.getTime()).toBeGreaterThan(seenRunningAt.getTime());

    // One interval after the run that saw it running.
    clock.advanceTo(new Date(seenRunningAt.getTime() + HOUR_MS));
    const third = await harness.lambda.run('incremental');
    clock.thaw();
    expect(third.reportedJobs).toContainEqual(expect.objectContaining({ jobId, status: 'failed', error: 'simulated node loss' }));
  });
});
