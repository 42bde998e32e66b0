import { BackupKind } from '../../../contract/backup-event';
import { SessionInput, withRunSession } from '../connect/run-session';
import { Session } from '../connect/session';
import { jobsByIds } from '../observe/job-queries';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { BackupResult, FollowingSummary, ReportedJob, reportJob, RunStats, VANISHED_STATUS } from '../report/result';
import { FollowStore } from './follow-store';
import { followed, FollowState, followStep, serializeFollowState, withJob } from './followed-jobs';

/** What one look at the followed jobs gives the run's result. */
export interface FollowLook {
  /** Jobs that ended since the previous look (once each), paused ones (every look), vanished ones. */
  readonly reported: readonly ReportedJob[];
  readonly following: FollowingSummary;
}

const NOTHING_SEEN: FollowLook = { reported: [], following: { running: [], hung: [] } };

/**
 * Follows every backup job the Lambda submits, by id, until it ends (docs/job-following.md):
 * `add` at submission (written at once, so that a run that dies leaves the job followed),
 * `look` with a session: one `SHOW JOBS VALUES` round trip for every followed job, whatever
 * its age (no 12-hour window), then the state written back if it changed.
 */
export class Follower {
  constructor(
    private readonly store: FollowStore,
    private readonly now: () => Date,
    private readonly hangAfterMs: number,
  ) {}

  read(): Promise<FollowState> {
    return this.store.read();
  }

  async add(jobId: string, kind: BackupKind): Promise<void> {
    await this.store.write(withJob(await this.store.read(), followed(jobId, kind, this.now())));
  }

  /**
   * One look. Never throws: a look that fails (the state, the statement) is logged and the
   * jobs stay followed, for the next look (the follow check, minutes later) to tell.
   */
  async look(session: Session, known?: FollowState): Promise<FollowLook> {
    try {
      const state = known ?? (await this.store.read());
      if (state.jobs.length === 0) return NOTHING_SEEN;
      const rows = await jobsByIds(session, state.jobs.map((job) => job.jobId));
      const now = this.now();
      const step = followStep(state, rows, now, this.hangAfterMs);
      if (serializeFollowState(step.next) !== serializeFollowState(state)) await this.store.write(step.next);
      for (const job of step.hung) {
        log('ERROR', `${job.kind} backup job ${job.jobId} is hung: still running at ${Math.round(job.fraction * 100)}% completed, unchanged since ${job.since} (SHOW JOB ${job.jobId}; PAUSE JOB or CANCEL JOB ${job.jobId} if it stays so)`);
      }
      return {
        reported: [
          ...step.ended.map((row) => reportJob(row)),
          ...step.vanished.map((job) => ({
            jobId: job.jobId,
            kind: job.kind,
            status: VANISHED_STATUS,
            error: `SHOW JOB ${job.jobId} shows no row: its outcome is unknown (deleted after jobs.retention_time, or no longer visible to the backup user)`,
            created: job.submittedAt,
          })),
        ],
        following: { running: step.running.map(({ jobId, kind, fraction }) => ({ jobId, kind, fraction })), hung: step.hung },
      };
    } catch (error) {
      log('WARN', `following the backup jobs failed; the next look tells what it missed: ${redactedMessage(error)}`);
      return NOTHING_SEEN;
    }
  }
}

/**
 * The `follow` run: a state read, and only when a job is followed, the secrets, a
 * connection and one round trip. With nothing to follow it costs one SSM GetParameter: no
 * secret, no SQL, no storage read.
 */
export async function runFollowCheck(input: SessionInput, follower: Follower): Promise<BackupResult> {
  let state: FollowState;
  try {
    state = await follower.read();
  } catch (error) {
    return followResult('failed', `the followed jobs' state could not be read: ${redactedMessage(error)}`, NOTHING_SEEN, { sqlRoundTrips: 0, secretFetches: 0 });
  }
  if (state.jobs.length === 0) return followResult('passed', 'no backup job to follow', NOTHING_SEEN, { sqlRoundTrips: 0, secretFetches: 0 });
  const { value, error, stats } = await withRunSession(input, (session) => follower.look(session, state));
  if (value === undefined) return followResult('failed', error ?? 'the follow check ended without an outcome', NOTHING_SEEN, stats);
  const ended = value.reported.map((job) => `${job.kind} backup job ${job.jobId} ${job.status}${job.error === undefined ? '' : `: ${job.error}`}`);
  const running = value.following.running.map((job) => `${job.kind} backup job ${job.jobId} running, ${Math.round(job.fraction * 100)}% completed`);
  return followResult('passed', [...ended, ...running].join('; ') || 'no followed job changed', value, stats);
}

function followResult(action: BackupResult['action'], message: string, look: FollowLook, stats: RunStats): BackupResult {
  return { action, kind: 'follow', reportedJobs: look.reported, following: look.following, message: redactedMessage(message), submittedJobIds: [], stats };
}
