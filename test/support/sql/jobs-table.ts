import { Job, isTerminal } from '../jobs/job';
import { VersionFacts } from '../versions';
import { Column, TypeOid } from '../wire/backend-messages';
import { Table } from './select';
import { Row, Value } from './values';

const TIMESTAMP_COLUMNS = new Set(['created', 'started', 'finished', 'modified', 'last_run', 'next_run']);

/** Columns named in the order given, typed for the version (timestamps with or without zone). */
function columns(facts: VersionFacts, names: readonly string[]): readonly Column[] {
  const timestamp = facts.jobTimestampsWithZone ? TypeOid.TIMESTAMPTZ : TypeOid.TIMESTAMP;
  return names.map((name) => ({ name, type: TIMESTAMP_COLUMNS.has(name) ? timestamp : COLUMN_TYPES[name] }));
}

const COLUMN_TYPES: Readonly<Record<string, TypeOid>> = {
  job_id: TypeOid.INT8,
  job_type: TypeOid.TEXT,
  description: TypeOid.TEXT,
  statement: TypeOid.TEXT,
  user_name: TypeOid.TEXT,
  status: TypeOid.TEXT,
  running_status: TypeOid.TEXT,
  fraction_completed: TypeOid.FLOAT8,
  high_water_timestamp: TypeOid.NUMERIC,
  error: TypeOid.TEXT,
  coordinator_id: TypeOid.INT8,
  trace_id: TypeOid.INT8,
  num_runs: TypeOid.INT8,
  execution_errors: TypeOid.TEXT_ARRAY,
};

/**
 * crdb_internal.jobs (pkg/sql/crdb_internal.go, crdbInternalJobsTable), the columns the
 * double keeps: timestamps are TIMESTAMP up to 23.1, TIMESTAMPTZ from 23.2; `error` is
 * '' when there is none.
 */
export function jobsColumns(facts: VersionFacts): readonly Column[] {
  return columns(facts, [
    'job_id',
    'job_type',
    'description',
    'statement',
    'user_name',
    'status',
    'running_status',
    'created',
    'started',
    'finished',
    'modified',
    'fraction_completed',
    'high_water_timestamp',
    'error',
    'coordinator_id',
    'trace_id',
    'last_run',
    'next_run',
    'num_runs',
  ]);
}

/** SHOW JOB(S) with job ids on every version, and plain SHOW JOBS before 24.1 (pkg/sql/delegate/show_jobs.go). */
const FULL_SHOW_JOBS = [
  'job_id',
  'job_type',
  'description',
  'statement',
  'user_name',
  'status',
  'running_status',
  'created',
  'started',
  'finished',
  'modified',
  'fraction_completed',
  'error',
  'coordinator_id',
  'trace_id',
  'last_run',
  'next_run',
  'num_runs',
  'execution_errors',
];

/** Plain SHOW JOBS from 24.1 drops these (docs/cockroachdb-behaviour.md section 2). */
const DROPPED_FROM_PLAIN = new Set(['statement', 'trace_id', 'last_run', 'next_run', 'num_runs', 'execution_errors']);

/** How long a finished job stays in plain SHOW JOBS, on every version: `finished > now() - '12h'`. */
export const PLAIN_SHOW_JOBS_WINDOW_MS = 12 * 3600 * 1000;

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
    execution_errors: '{}',
  };
}

export function jobsTable(facts: VersionFacts, visibleJobs: () => readonly Job[]): Table {
  return { name: 'crdb_internal.jobs', columns: jobsColumns(facts), rows: () => visibleJobs().map(jobRow) };
}

/**
 * SHOW JOB(S) with ids from 24.1 no longer returns these (pkg/sql/delegate/show_jobs.go,
 * constructSelectQuery: with ids only `trace_id, execution_errors` follow coordinator_id).
 */
const DROPPED_FROM_BY_ID = new Set(['last_run', 'next_run', 'num_runs']);

/** The columns of SHOW JOB(S) for the version, with ids or plain (pkg/sql/delegate/show_jobs.go). */
function showJobsColumns(facts: VersionFacts, byId: boolean): readonly Column[] {
  const dropped = byId ? DROPPED_FROM_BY_ID : DROPPED_FROM_PLAIN;
  return columns(
    facts,
    FULL_SHOW_JOBS.filter((name) => (!facts.jobTimesInWholeSeconds || !dropped.has(name)) && (facts.showJobsStartedColumn || name !== 'started')),
  );
}

/** A row as SHOW JOB(S) shows it: from 24.1 its times truncated to whole seconds, with ids or not (#121272). */
function shownRow(facts: VersionFacts, job: Job): Row {
  const row = jobRow(job);
  if (!facts.jobTimesInWholeSeconds) return row;
  const seconds = (value: Value): Value => (value instanceof Date ? new Date(Math.floor(value.getTime() / 1000) * 1000) : value);
  return Object.fromEntries(Object.entries(row).map(([name, value]) => [name, seconds(value)]));
}

/** What SHOW JOB <id> and SHOW JOBS SELECT ... return: full descriptions, no time window, the version's columns and time precision. */
export function jobsById(facts: VersionFacts, jobs: readonly Job[]): { readonly columns: readonly Column[]; readonly rows: readonly (readonly Value[])[] } {
  const shown = showJobsColumns(facts, true);
  return { columns: shown, rows: jobs.map((job) => project(shown, shownRow(facts, job))) };
}

/**
 * Plain SHOW JOBS, also as `[SHOW JOBS]` in a SELECT: only jobs unfinished or finished in
 * the last 12 hours, running ones first, then by finish time, newest first; from 24.1
 * fewer columns, descriptions longer than 70 characters shortened to the first 60 +
 * ' … ' + the last 7, timestamps truncated to seconds.
 */
export function plainShowJobs(facts: VersionFacts, jobs: readonly Job[], now: Date): Table {
  const shown = showJobsColumns(facts, false);
  const recent = jobs.filter((job) => job.finished === null || now.getTime() - job.finished.getTime() < PLAIN_SHOW_JOBS_WINDOW_MS);
  const sorted = [...recent].sort(
    (a, b) => (b.finished ?? now).getTime() - (a.finished ?? now).getTime() || (b.started ?? b.created).getTime() - (a.started ?? a.created).getTime(),
  );
  const rows = sorted.map((job): Row => {
    const row = shownRow(facts, job);
    return facts.reducedPlainShowJobs ? shortenedDescription(row) : row;
  });
  return { name: '[SHOW JOBS]', columns: shown, rows: () => rows };
}

function shortenedDescription(row: Row): Row {
  const description = String(row.description);
  return { ...row, description: description.length > 70 ? `${description.slice(0, 60)} … ${description.slice(-7)}` : description };
}

/** A row's values in the order of the columns. */
export function project(shown: readonly Column[], row: Row): readonly Value[] {
  return shown.map((c) => row[c.name] ?? null);
}
