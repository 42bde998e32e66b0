import { LOG_EVENTS } from '../../../contract/metrics';
import { SessionInput, withRunSession } from '../connect/run-session';
import { Session } from '../connect/session';
import { classifyJobs } from '../decide/classify';
import { jobsByIds, visibleBackupJobs } from '../observe/job-queries';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { BackupResult, reportJob, RunStats, VANISHED_STATUS } from '../report/result';
import { describesCollection } from '../submit/storage';
import { FollowStore } from './follow-store';
import { FollowState, followStep, missingFollowed, SeenJob } from './followed-jobs';

/**
 * The `follow` run (docs/job-following.md), run by its own function every few minutes: it
 * looks at the collection's backup jobs, tells each end once (succeeded, failed with the
 * error, canceled, revert-failed; paused on every look), publishes the fraction completed
 * of the running ones and names the hung ones.
 *
 * Cost of a look: one SSM GetParameter and PutParameter (the state), the connection secret
 * (cached for 10 minutes in a warm Lambda; the access key is not read), one round trip
 * (`SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'`: the visible backup
 * jobs that run or ended within 12 hours) and, only when a followed job is older than
 * that window, a second (`SHOW JOBS VALUES (<id>)`, no window). No storage read.
 */
export async function runFollowCheck(input: SessionInput, store: FollowStore, now: () => Date, hangAfterMs: number): Promise<BackupResult> {
  let state: FollowState;
  try {
    state = await store.read();
  } catch (error) {
    return failed(`the follow state could not be read: ${redactedMessage(error)}`, { sqlRoundTrips: 0, secretFetches: 0 });
  }
  const { value, error, stats } = await withRunSession(input, (session) => look(session, input, state, now, hangAfterMs), { accessKey: false });
  if (value === undefined) return failed(error ?? 'the follow check ended without an outcome', stats);
  const step = value;
  try {
    await store.write(step.next);
  } catch (caught) {
    // The jobs stay followed from the previous state; the next look tells what this one told again.
    log('WARN', `the follow state could not be written: ${redactedMessage(caught)}`);
  }
  for (const job of step.hung) {
    log('ERROR', `${job.kind} backup job ${job.jobId} is hung: ${Math.round(job.fraction * 100)}% completed, unchanged since ${job.since}`, {
      event: LOG_EVENTS.jobHung,
      jobId: job.jobId,
      kind: job.kind,
      fraction: job.fraction,
      since: job.since,
    });
  }
  const reportedJobs = [
    ...step.tell.map((row) => reportJob(row)),
    ...step.vanished.map((job) => ({
      jobId: job.jobId,
      kind: job.kind,
      status: VANISHED_STATUS,
      error: `SHOW JOB ${job.jobId} shows no row: its outcome is unknown (deleted after jobs.retention_time, or no longer visible to the backup user)`,
      created: job.progressAt,
    })),
  ];
  const told = reportedJobs.map((job) => `${job.kind} backup job ${job.jobId} ${job.status}${job.error === undefined ? '' : `: ${job.error}`}`);
  const running = step.running.map((job) => `${job.kind} backup job ${job.jobId} running, ${Math.round(job.fraction * 100)}% completed`);
  return {
    action: 'passed',
    kind: 'follow',
    reportedJobs,
    following: { running: step.running.map(({ jobId, kind, fraction }) => ({ jobId, kind, fraction })), hung: step.hung },
    message: redactedMessage([...told, ...running].join('; ') || 'no backup job of the collection ran or ended since the previous look'),
    submittedJobIds: [],
    stats,
  };
}

async function look(session: Session, input: SessionInput, state: FollowState, now: () => Date, hangAfterMs: number): Promise<ReturnType<typeof followStep>> {
  const visible = await visibleBackupJobs(session);
  const ofCollection = visible.filter((job) => describesCollection(input.settings, job.description));
  const missing = missingFollowed(state, ofCollection);
  const byId = missing.length === 0 ? [] : await jobsByIds(session, missing);
  // A followed job keeps the kind it was first seen with: its full backup may be gone from the
  // 12-hour view by now, and classification needs it to tell an incremental.
  const kinds = new Map(state.following.map((job) => [job.jobId, job.kind]));
  const rows: SeenJob[] = classifyJobs([...ofCollection, ...byId]).map((job) => ({
    ...job,
    kind: kinds.get(job.jobId) ?? job.kind,
    fraction: job.fraction ?? 0,
  }));
  return followStep(state, rows, now(), hangAfterMs);
}

function failed(message: string, stats: RunStats): BackupResult {
  return { action: 'failed', kind: 'follow', reportedJobs: [], message: redactedMessage(message), submittedJobIds: [], stats };
}
