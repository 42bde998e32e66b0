import { BackupFailure } from '../connect/errors';
import { JobRow } from './job';
import { Session } from '../connect/session';
import { parseSqlTimestamp } from './timestamp';

/**
 * The job statements the Lambda sends, all SHOW delegates: they pass CockroachDB's
 * internals gate (closed by default from v26.1, where any read of crdb_internal.jobs
 * fails with 42501) and need no privilege beyond owning the jobs
 * (docs/cockroachdb-behaviour.md section 2). A user without VIEWJOB sees only its own
 * jobs: that is all the Lambda asks of the job table; what is in the collection,
 * whoever wrote it, comes from storage (stored-chain.ts).
 */

/** The SHOW JOB(S) columns the Lambda reads (v22.2 to v26.x all have them). */
interface RawJobRow {
  readonly job_id: string;
  readonly status: string;
  readonly description: string | null;
  readonly error: string | null;
  readonly created: Date | string;
  readonly finished: Date | string | null;
  /** FLOAT8, 1 on success (pg returns FLOAT8 as a number). */
  readonly fraction_completed?: number | string | null;
}

function toJobRow(raw: RawJobRow): JobRow {
  return {
    // INT8 arrives as a string from pg (no type parser is installed for it): kept as is.
    jobId: String(raw.job_id),
    status: raw.status,
    description: raw.description ?? '',
    error: raw.error ?? '',
    created: parseSqlTimestamp(raw.created),
    finished: raw.finished === null || raw.finished === undefined ? undefined : parseSqlTimestamp(raw.finished),
    fraction: raw.fraction_completed === null || raw.fraction_completed === undefined ? undefined : Number(raw.fraction_completed),
  };
}

/**
 * The full rows of every backup job the user can see that is unfinished or ended within
 * the last 12 hours. Plain SHOW JOBS has that window on every version and, from v24.1,
 * shortens descriptions longer than 70 characters; given ids, SHOW JOBS returns full
 * descriptions. So the inner SHOW JOBS only picks the ids, and the descriptions that
 * name the collection are read from the outer one.
 */
export async function visibleBackupJobs(session: Pick<Session, 'query'>): Promise<JobRow[]> {
  return visibleJobs(session, "job_type = 'BACKUP'", 'reading the backup jobs (SHOW JOBS)');
}

/** The same, for BACKUP and RESTORE jobs: what may be using the collection's storage (a drill restores from it). */
export async function visibleStorageJobs(session: Pick<Session, 'query'>): Promise<JobRow[]> {
  return visibleJobs(session, "job_type IN ('BACKUP', 'RESTORE')", 'reading the backup and restore jobs (SHOW JOBS)');
}

async function visibleJobs(session: Pick<Session, 'query'>, typeFilter: string, what: string): Promise<JobRow[]> {
  const rows = await session.query<RawJobRow>(what, `SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE ${typeFilter}`);
  return rows.map(toJobRow);
}

const JOB_ID = /^[0-9]{1,19}$/;
const INT8_MAX = 9223372036854775807n;

/**
 * A job id as a SQL literal. SHOW JOB takes an expression, written here as the decimal
 * digits the driver returned: never through a Number, which would change ids above
 * 2^53 (real ones are near 6e17). Anything but digits is refused, so no text can reach
 * the statement.
 */
export function jobIdLiteral(jobId: string): string {
  if (!JOB_ID.test(jobId) || BigInt(jobId) > INT8_MAX) throw new BackupFailure(`'${jobId}' is not a job id (expected the decimal digits of an INT8)`);
  return jobId;
}

/**
 * The rows of the given jobs, in one round trip: `SHOW JOBS VALUES (<id>), ...` (a SHOW
 * delegate: no 12-hour window, full rows at any age, through the internals gate). A job the user cannot see, or one deleted after
 * jobs.retention_time, has no row.
 */
export async function jobsByIds(session: Session, jobIds: readonly string[]): Promise<JobRow[]> {
  if (jobIds.length === 0) return [];
  const values = jobIds.map((id) => `(${jobIdLiteral(id)})`).join(', ');
  const rows = await session.query<RawJobRow>('reading the followed backup jobs (SHOW JOBS VALUES)', `SHOW JOBS VALUES ${values}`);
  return rows.map(toJobRow);
}

/** How messages name a job: the statements are the same for backup and restore drill jobs. */
export type JobNoun = 'backup job' | 'restore drill job';

/** What a wait for a job gives: its final row, `still-running` when the statement timeout ended the wait, undefined when the job is gone. */
export type WaitedJob = JobRow | 'still-running' | undefined;

/**
 * Waits for a job to end with `SHOW JOB WHEN COMPLETE <id>`: CockroachDB answers once the
 * job has a terminal status (it looks every second, server-side), so a wait costs one
 * round trip however long the job runs. statement_timeout bounds it (57014): then the job
 * is still running, or paused (a paused job never completes).
 */
export async function waitForJob(session: Session, jobId: string, noun: JobNoun = 'backup job'): Promise<WaitedJob> {
  try {
    const rows = await session.query<RawJobRow>(`waiting for ${noun} ${jobId}`, `SHOW JOB WHEN COMPLETE ${jobIdLiteral(jobId)}`, { serverTimesOut: true });
    return rows.length === 0 ? undefined : toJobRow(rows[0]);
  } catch (error) {
    if (error instanceof BackupFailure && error.code === STATEMENT_TIMEOUT) return 'still-running';
    throw error;
  }
}

/** SQLSTATE query_canceled: the server's statement_timeout. */
const STATEMENT_TIMEOUT = '57014';

/** One job by id; undefined when the user cannot see it (or it is gone). */
export async function jobById(session: Session, jobId: string, noun: JobNoun = 'backup job'): Promise<JobRow | undefined> {
  const rows = await session.query<RawJobRow>(`reading ${noun} ${jobId}`, `SHOW JOB ${jobIdLiteral(jobId)}`);
  return rows.length === 0 ? undefined : toJobRow(rows[0]);
}

/**
 * Submits a statement WITH DETACHED (BACKUP, RESTORE), which returns one row with one INT8
 * column, `job_id` (pkg/jobs/resultcols.go), and gives that id as the string the driver
 * returned.
 */
export async function submitDetached(session: Session, what: string, statement: string): Promise<string> {
  const rows = await session.query<{ job_id: string | null }>(what, statement);
  if (rows.length !== 1 || rows[0].job_id === undefined || rows[0].job_id === null) {
    throw new BackupFailure(`${what} returned ${rows.length} rows instead of one job id`);
  }
  return String(rows[0].job_id);
}
