import { Job, isTerminal } from '../jobs/job';
import { Column, TypeOid } from '../wire/backend-messages';
import { Table } from './select';
import { Row, Value } from './values';

/**
 * crdb_internal.jobs as of v23.2/v24.x (pkg/sql/crdb_internal.go, crdbInternalJobsTable):
 * timestamps are TIMESTAMPTZ from 23.2; `error` is '' when there is none.
 */
export const JOBS_COLUMNS: readonly Column[] = [
  { name: 'job_id', type: TypeOid.INT8 },
  { name: 'job_type', type: TypeOid.TEXT },
  { name: 'description', type: TypeOid.TEXT },
  { name: 'statement', type: TypeOid.TEXT },
  { name: 'user_name', type: TypeOid.TEXT },
  { name: 'status', type: TypeOid.TEXT },
  { name: 'running_status', type: TypeOid.TEXT },
  { name: 'created', type: TypeOid.TIMESTAMPTZ },
  { name: 'started', type: TypeOid.TIMESTAMPTZ },
  { name: 'finished', type: TypeOid.TIMESTAMPTZ },
  { name: 'modified', type: TypeOid.TIMESTAMPTZ },
  { name: 'fraction_completed', type: TypeOid.FLOAT8 },
  { name: 'high_water_timestamp', type: TypeOid.NUMERIC },
  { name: 'error', type: TypeOid.TEXT },
  { name: 'coordinator_id', type: TypeOid.INT8 },
  { name: 'trace_id', type: TypeOid.INT8 },
  { name: 'last_run', type: TypeOid.TIMESTAMPTZ },
  { name: 'next_run', type: TypeOid.TIMESTAMPTZ },
  { name: 'num_runs', type: TypeOid.INT8 },
];

/**
 * SHOW JOBS / SHOW JOB columns from v24.1 (pkg/sql/delegate/show_jobs.go): statement,
 * trace_id, last_run, next_run, num_runs and execution_errors are gone.
 */
export const SHOW_JOBS_COLUMNS: readonly Column[] = JOBS_COLUMNS.filter(
  (c) => !['statement', 'high_water_timestamp', 'trace_id', 'last_run', 'next_run', 'num_runs'].includes(c.name),
);

export function jobRow(job: Job): Row {
  return {
    job_id: job.id,
    job_type: job.type,
    description: job.description,
    statement: job.statement,
    user_name: job.userName,
    status: job.status,
    running_status: job.runningStatus,
    created: job.created,
    started: job.started,
    finished: job.finished,
    modified: job.modified,
    fraction_completed: job.fractionCompleted,
    high_water_timestamp: null,
    error: job.error,
    coordinator_id: isTerminal(job.status) ? null : BigInt(job.coordinatorId),
    trace_id: 0n,
    last_run: job.started,
    next_run: null,
    num_runs: BigInt(job.numRuns),
  };
}

export function jobsTable(visibleJobs: () => readonly Job[]): Table {
  return { name: 'crdb_internal.jobs', columns: JOBS_COLUMNS, rows: () => visibleJobs().map(jobRow) };
}

/**
 * Plain SHOW JOBS from v24.1: descriptions longer than 70 characters shortened to
 * the first 60 + ' … ' + the last 7, timestamps truncated to seconds, and only jobs
 * unfinished or finished in the last 12 hours (docs/cockroachdb-behaviour.md section 2).
 */
export function showJobsRow(job: Job, now: Date): readonly Value[] | undefined {
  if (job.finished !== null && now.getTime() - job.finished.getTime() > 12 * 3600 * 1000) return undefined;
  const row = jobRow(job);
  const description = job.description.length > 70 ? `${job.description.slice(0, 60)} … ${job.description.slice(-7)}` : job.description;
  const seconds = (value: Value): Value => (value instanceof Date ? new Date(Math.floor(value.getTime() / 1000) * 1000) : value);
  return SHOW_JOBS_COLUMNS.map((c) => (c.name === 'description' ? description : seconds(row[c.name] ?? null)));
}

/** SHOW JOB <id> and SHOW JOBS SELECT ...: the same columns with the full description. */
export function showJobRow(job: Job): readonly Value[] {
  const row = jobRow(job);
  return SHOW_JOBS_COLUMNS.map((c) => row[c.name] ?? null);
}
