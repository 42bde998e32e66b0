import { JOB_COLUMNS, JobRow } from './job';
import { Session } from './session';

/**
 * The job table is read through crdb_internal.jobs, never plain SHOW JOBS: from v24.1
 * SHOW JOBS shortens descriptions longer than 70 characters and hides jobs finished
 * more than 12 hours ago (docs/cockroachdb-behaviour.md section 2), which would make a
 * collection's jobs unrecognizable. The queries use only a projection of listed
 * columns, a conjunction of simple predicates, ORDER BY and LIMIT.
 */

interface RawJobRow {
  readonly job_id: string;
  readonly status: string;
  readonly description: string | null;
  readonly error: string | null;
  readonly created: Date | string;
  readonly finished: Date | string | null;
}

// TIMESTAMPTZ from 23.2 (pg returns a Date); TIMESTAMP before, kept as text by the
// session (session.ts) and read here as UTC.
export function parseJobTimestamp(value: Date | string): Date {
  return value instanceof Date ? value : new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

function toJobRow(raw: RawJobRow): JobRow {
  return {
    // INT8 arrives as a string from pg (no type parser is installed for it): kept as is.
    jobId: String(raw.job_id),
    status: raw.status,
    description: raw.description ?? '',
    error: raw.error ?? '',
    created: parseJobTimestamp(raw.created),
    finished: raw.finished === null || raw.finished === undefined ? undefined : parseJobTimestamp(raw.finished),
  };
}

/** Rows read to reconcile: about 20 days of hourly backups, more than jobs.retention_time (14 days) keeps. */
export const COLLECTION_JOBS_LIMIT = 500;

/**
 * Rows read right after submitting: the run's own job and any job a concurrent run
 * created since the reconcile query are among the collection's newest few.
 */
export const RECENT_JOBS_LIMIT = 10;

/** The collection's newest backup jobs, newest first. */
export async function collectionJobs(session: Session, pattern: string, limit: number = COLLECTION_JOBS_LIMIT): Promise<JobRow[]> {
  const rows = await session.query<RawJobRow>(
    'reading the collection\'s backup jobs from crdb_internal.jobs',
    `SELECT ${JOB_COLUMNS} FROM crdb_internal.jobs WHERE job_type = 'BACKUP' AND description LIKE $1 ORDER BY created DESC LIMIT ${limit}`,
    [pattern],
  );
  return rows.map(toJobRow);
}

/** One job by id; the id goes as a text parameter, never through a Number. */
export async function jobById(session: Session, jobId: string): Promise<JobRow | undefined> {
  const rows = await session.query<RawJobRow>(
    `reading backup job ${jobId}`,
    `SELECT ${JOB_COLUMNS} FROM crdb_internal.jobs WHERE job_id = $1`,
    [jobId],
  );
  return rows.length === 0 ? undefined : toJobRow(rows[0]);
}

/** Cancels a job; a job that already ended (or is being canceled) is not an error. */
export async function cancelJob(session: Session, jobId: string): Promise<boolean> {
  try {
    await session.query(`canceling backup job ${jobId}`, 'CANCEL JOB $1', [jobId]);
    return true;
  } catch (error) {
    // pkg/jobs: "job <id> is already canceled/succeeded/failed", "... cannot be requested to be canceled".
    if (error instanceof Error && /already|cannot be requested|not found|does not exist/i.test(error.message)) return false;
    throw error;
  }
}
