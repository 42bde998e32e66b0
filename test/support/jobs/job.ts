/**
 * A row of the job table as the double keeps it. Status names are CockroachDB's
 * (pkg/jobs/jobs.go, Status* constants; "state" from v25.1): terminal ones are
 * succeeded, failed, canceled and revert-failed.
 */
export type JobStatus =
  | 'pending'
  | 'running'
  | 'paused'
  | 'failed'
  | 'reverting'
  | 'succeeded'
  | 'canceled'
  | 'cancel-requested'
  | 'pause-requested'
  | 'revert-failed';

const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled', 'revert-failed'];

export type JobType = 'BACKUP' | 'RESTORE';

export interface JobScript {
  readonly outcome: 'succeeded' | 'failed' | 'paused' | 'canceled' | 'running';
  readonly error?: string;
  readonly durationMs?: number;
  /** The next job of this type takes the script (default: the next job of any type). */
  readonly jobType?: JobType;
}

export interface Job {
  readonly id: bigint;
  readonly type: JobType;
  description: string;
  readonly statement: string;
  readonly userName: string;
  status: JobStatus;
  runningStatus: string | null;
  /** Mutable only for CockroachDouble.ageJobs. */
  created: Date;
  started: Date | null;
  finished: Date | null;
  modified: Date;
  fractionCompleted: number;
  error: string;
  readonly coordinatorId: number;
  numRuns: number;
  readonly script: JobScript;
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * Job ids are INT8 like unique_rowid() values, far above 2^53 so that any Number()
 * on the way corrupts them. One counter per process keeps them unique and increasing
 * across doubles (the restored-cluster case runs two).
 */
let lastJobId = 600_000_000_000_000_000n + BigInt(Date.now()) * 1000n;

export function nextJobId(): bigint {
  lastJobId += 1n + BigInt(Math.floor(Math.random() * 1000)) * 32768n;
  return lastJobId;
}
