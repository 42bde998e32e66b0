import { Budget } from './budget';
import { isTerminal, JobRow, PAUSED_STATUS } from './job';
import { jobById } from './job-queries';
import { Session } from './session';

export type Sleep = (milliseconds: number) => Promise<void>;

export const sleep: Sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Poll delays: 50 ms before the first look after submitting, then 100, 200, 400 ms...
 * up to 5 s. A job that ends within a few tens of milliseconds is verified by the
 * first or second read; one lasting minutes costs two or three more reads than the
 * former 500 ms start (seven reads in the first 6.35 s where that made five in 8 s),
 * then one every 5 s either way.
 */
export const POLL = { firstDelayMs: 50, factor: 2, maxDelayMs: 5000 } as const;

export function nextDelay(delayMs: number): number {
  return Math.min(POLL.maxDelayMs, delayMs * POLL.factor);
}

/** A job that will not change without a person or has ended: polling it further is pointless. */
function isSettled(job: JobRow): boolean {
  return isTerminal(job) || job.status === PAUSED_STATUS;
}

/**
 * Polls a job until it settles or the budget no longer allows another wait. Returns the
 * last row seen (possibly still running: the next run reports it) or undefined if the
 * job disappeared. `first` is a row already read, `delayMs` the next wait.
 */
export async function pollJob(
  session: Session,
  first: JobRow | undefined,
  jobId: string,
  budget: Budget,
  wait: Sleep,
  delayMs: number = POLL.firstDelayMs,
): Promise<JobRow | undefined> {
  let job = first;
  let delay = delayMs;
  // Bounded: each pass sleeps at least firstDelayMs and the budget is finite.
  while ((job === undefined || !isSettled(job)) && budget.remaining() > delay + reserveForQuery(budget)) {
    await wait(delay);
    job = await jobById(session, jobId);
    if (job === undefined) return undefined;
    delay = nextDelay(delay);
  }
  return job;
}

// Leaves room for the poll query itself, so a poll never starts just to time out.
function reserveForQuery(budget: Budget): number {
  return Math.min(1000, budget.remaining() / 4);
}
