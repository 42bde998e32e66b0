/**
 * A backup job as SHOW JOB(S) shows it (the columns the Lambda reads). `jobId` is an INT8 kept as the
 * decimal string the `pg` driver returns: real ids are near 6e17, beyond 2^53, so a
 * Number would silently change them (docs/cockroachdb-behaviour.md section 2).
 */
export interface JobRow {
  readonly jobId: string;
  readonly status: string;
  readonly description: string;
  readonly error: string;
  readonly created: Date;
  readonly finished?: Date;
  /** fraction_completed (0 to 1; 1 on success), as SHOW JOB(S) gives it. */
  readonly fraction?: number;
}

// Status values from pkg/jobs/jobs.go.
/** States after which a job never changes again. */
export const TERMINAL_STATUSES: readonly string[] = ['succeeded', 'failed', 'canceled', 'revert-failed'];
/**
 * States of a job that is still working (or cleaning up) and will end by itself:
 * another backup must not be stacked on it.
 */
export const ACTIVE_STATUSES: readonly string[] = ['pending', 'running', 'pause-requested', 'cancel-requested', 'reverting'];
/**
 * A paused job will never end by itself; it waits for a person (RESUME JOB or CANCEL
 * JOB). It is deliberately not "active": waiting for it would block every backup
 * forever. procedure.ts reports it loudly on every run instead.
 */
export const PAUSED_STATUS = 'paused';

/** Statuses in which a job ended without producing a backup. */
export const FAILED_STATUSES: readonly string[] = ['failed', 'canceled', 'revert-failed'];

export function isTerminal(job: JobRow): boolean {
  return TERMINAL_STATUSES.includes(job.status);
}

export function isActive(job: JobRow): boolean {
  return ACTIVE_STATUSES.includes(job.status);
}

/** Orders INT8 ids exactly (as BigInt, never Number). */
export function compareJobIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Creation order; ties (same timestamp) broken by id, which CockroachDB allocates increasingly. */
export function compareCreation(a: JobRow, b: JobRow): number {
  return a.created.getTime() - b.created.getTime() || compareJobIds(a.jobId, b.jobId);
}
