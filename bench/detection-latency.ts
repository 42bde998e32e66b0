import { ENV } from '../contract/environment';
import { BackupResult } from '../lambda/backup/report/result';
import { Harness } from '../test/lambda/helpers/harness';
import { SimulatedClock } from '../test/support/clock';
import { median } from './measure';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const FOLLOW_PARAMETER = '/bench/follow-state';
/** The construct's default follow interval (lib/functions/job-following.ts). */
const FOLLOW_INTERVAL_MS = 5 * MINUTE_MS;
/** A run that submits and leaves its job running (600 ms of budget after the handler's margin). */
const SHORT_RUN_MS = 3600;

export const LATENCY_SCHEDULES = [
  { name: 'hourly', intervalMs: HOUR_MS },
  { name: 'weekly', intervalMs: 7 * 24 * HOUR_MS },
] as const;

export interface DetectionLatency {
  readonly schedule: string;
  /** Time from each job's end (the job table's, to the millisecond) to the look that told it, with following. */
  readonly followingMs: readonly number[];
  /** The same for the next scheduled backup run without following (the local runner's way); undefined: never told. */
  readonly nextRunMs: number | undefined;
}

/** Whether a run told `jobId`'s end. */
const tells = (result: BackupResult, jobId: string): boolean => result.reportedJobs.some((j) => j.jobId === jobId && j.status === 'failed');

/**
 * Simulated time (SimulatedClock shared by the double and the handler): a full backup runs 5
 * hours and fails at `trials` offsets spread over the follow interval; the follow checks look
 * every 5 minutes and the backup schedule runs on its own. The figure is the time from the job's
 * end to the first invocation whose result tells it. Then the same job without following: told,
 * or not, by the next scheduled backup run.
 */
export async function measureDetectionLatency(trials: number): Promise<DetectionLatency[]> {
  // The handler's log lines would drown the bench's output.
  const log = console.log;
  console.log = (): void => undefined;
  try {
    return await simulate(trials);
  } finally {
    console.log = log;
  }
}

async function simulate(trials: number): Promise<DetectionLatency[]> {
  const figures: DetectionLatency[] = [];
  for (const { name, intervalMs } of LATENCY_SCHEDULES) {
    const clock = new SimulatedClock();
    const harness = await Harness.start({ clock, environment: { [ENV.incrementalIntervalSeconds]: String(intervalMs / 1000) } });
    try {
      harness.createParameter(FOLLOW_PARAMETER);
      const following = harness.deploy(harness.double, { [ENV.followStateParameter]: FOLLOW_PARAMETER, [ENV.incrementalIntervalSeconds]: String(intervalMs / 1000) });
      const at = async (time: number, run: () => Promise<BackupResult>): Promise<BackupResult> => {
        clock.advanceTo(new Date(Math.max(clock.now().getTime(), time)));
        return run();
      };
      const followingMs: number[] = [];
      for (let trial = 0; trial < trials; trial++) {
        // Each trial on a fresh 5-minute grid, a week after the previous one.
        const start = Math.ceil((clock.now().getTime() + 7 * 24 * HOUR_MS) / FOLLOW_INTERVAL_MS) * FOLLOW_INTERVAL_MS;
        await at(start - FOLLOW_INTERVAL_MS, () => following.run('follow'));
        harness.double.scriptNextJob({ outcome: 'running' });
        const jobId = (await at(start, () => following.run('full', SHORT_RUN_MS))).jobId!;
        const endsAt = start + 5 * HOUR_MS + Math.round(((trial + 0.5) / trials) * FOLLOW_INTERVAL_MS);
        await at(start + 5 * HOUR_MS - FOLLOW_INTERVAL_MS, () => following.run('follow'));
        clock.advanceTo(new Date(endsAt));
        harness.double.endJob(jobId, 'failed', 'simulated failure');
        await harness.double.whenJobsSettled();
        const ended = harness.double.jobTimes(jobId).finished!.getTime();
        const nextBackupRun = Math.ceil((endsAt - start) / intervalMs) * intervalMs + start;
        // The looks keep their 5-minute grid: the first one after the end tells it.
        for (let look = Math.ceil((ended + 1) / FOLLOW_INTERVAL_MS) * FOLLOW_INTERVAL_MS; ; look += FOLLOW_INTERVAL_MS) {
          const backupRunFirst = nextBackupRun <= look;
          const result = await at(backupRunFirst ? nextBackupRun : look, () => (backupRunFirst ? following.run('incremental', SHORT_RUN_MS) : following.run('follow')));
          if (tells(result, jobId)) {
            followingMs.push(clock.now().getTime() - ended);
            break;
          }
          if (look > endsAt + 3 * FOLLOW_INTERVAL_MS) throw new Error(`job ${jobId} was not told within three looks of its end`);
        }
      }

      // Without following: the next scheduled backup run, as the local runner (and the Lambda before) does.
      const start = clock.now().getTime() + 7 * 24 * HOUR_MS;
      harness.double.scriptNextJob({ outcome: 'running' });
      const jobId = (await at(start, () => harness.lambda.run('full', SHORT_RUN_MS))).jobId!;
      clock.advanceTo(new Date(start + 5 * HOUR_MS + 90_000));
      harness.double.endJob(jobId, 'failed', 'simulated failure');
      await harness.double.whenJobsSettled();
      const ended = harness.double.jobTimes(jobId).finished!.getTime();
      const next = await at(start + Math.ceil((5 * HOUR_MS + 90_000) / intervalMs) * intervalMs, () => harness.lambda.run('incremental', SHORT_RUN_MS));
      figures.push({ schedule: name, followingMs, nextRunMs: tells(next, jobId) ? clock.now().getTime() - ended : undefined });
    } finally {
      await harness.stop();
    }
  }
  return figures;
}

/** Minutes and seconds, for a latency. */
export function minutes(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 3600 ? `${(seconds / 3600).toFixed(1)} h` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The bench rows: median and worst latency with following, and the next run's without. */
export function latencyRows(figures: readonly DetectionLatency[]): string[][] {
  return figures.flatMap((f) => [
    [
      `Detection latency, ${f.schedule} backups, follow checks every 5 minutes (${f.followingMs.length} simulated jobs failing 5 h in)`,
      `median ${minutes(median(f.followingMs))}, worst ${minutes(Math.max(...f.followingMs))}`,
      '≤ 15 min',
      Math.max(...f.followingMs) <= 15 * MINUTE_MS ? 'pass' : '**miss**',
    ],
    [`Detection latency, ${f.schedule} backups, without following (told by the next backup run)`, f.nextRunMs === undefined ? 'never (the job ended more than 12 hours before the next run)' : minutes(f.nextRunMs), '', ''],
  ]);
}

if (require.main === module) {
  void measureDetectionLatency(6).then((figures) => console.log(latencyRows(figures).map((row) => `| ${row.join(' | ')} |`).join('\n')));
}
