import { Budget } from '../connect/budget';
import { isTerminal, JobRow, PAUSED_STATUS } from '../observe/job';
import { jobById, JobNoun, waitForJob } from '../observe/job-queries';
import { Session, SERVER_TIMEOUT_MARGIN_MS } from '../connect/session';

export type Sleep = (milliseconds: number) => Promise<void>;

export const sleep: Sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Poll delays: 50 ms before the first look, then 100, 200, 400 ms... up to 5 s. Used
 * only when the budget has no room for a server-side wait (below).
 */
export const POLL = { firstDelayMs: 50, factor: 2, maxDelayMs: 5000 } as const;

export function nextDelay(delayMs: number): number {
  return Math.min(POLL.maxDelayMs, delayMs * POLL.factor);
}

/** A job that will not change without a person or has ended: waiting further is pointless. */
function isSettled(job: JobRow): boolean {
  return isTerminal(job) || job.status === PAUSED_STATUS;
}

/**
 * Follows a job until it settles or the budget ends. Returns the last row seen (possibly
 * still running: the next run reports it) or undefined if the job disappeared. `first`
 * is a row already read, if any.
 *
 * The job is waited for with SHOW JOB WHEN COMPLETE: one round trip per statement_timeout
 * however long the job runs (CockroachDB checks the job every second, server-side, so
 * the answer comes within a second of the job's end), whenever the budget outlasts the
 * statement timeout, so that the server, not the client, ends the wait. After such a
 * timeout a plain SHOW JOB looks again, since a paused job never completes. With less
 * budget left, it polls (POLL), leaving room for each read.
 */
export async function pollJob(session: Session, first: JobRow | undefined, jobId: string, budget: Budget, wait: Sleep, noun: JobNoun = 'backup job'): Promise<JobRow | undefined> {
  let job = first;
  let delay: number = POLL.firstDelayMs;
  while (job === undefined || !isSettled(job)) {
    if (budget.remaining() > session.statementTimeoutMs + SERVER_TIMEOUT_MARGIN_MS + reserveForQuery(budget)) {
      const waited = await waitForJob(session, jobId, noun);
      if (waited !== 'still-running') return waited;
    } else if (budget.remaining() > delay + reserveForQuery(budget)) {
      await wait(delay);
      delay = nextDelay(delay);
    } else if (job !== undefined) {
      return job;
    } // else: no time for the first wait, but the job's status is still worth one read
    job = await jobById(session, jobId, noun);
    if (job === undefined) return undefined;
  }
  return job;
}

// Leaves room for the read itself, so a read never starts just to time out.
function reserveForQuery(budget: Budget): number {
  return Math.min(1000, budget.remaining() / 4);
}
