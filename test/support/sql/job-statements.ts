import { Cluster } from '../cluster';
import { Job } from '../jobs/job';
import { Session } from '../session';
import { Cursor } from './cursor';
import { SHOW_JOBS_COLUMNS, jobsTable, showJobRow, showJobsRow } from './jobs-table';
import { Table, evaluateSelect } from './select';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, Value, coerce, commandResult, rowsResult } from './values';
import { TypeOid } from '../wire/backend-messages';

/** The tables a SELECT may read; other names are "relation does not exist". */
function tableLookup(session: Session, cluster: Cluster): (name: string) => Table | undefined {
  return (name) => (name === 'crdb_internal.jobs' ? jobsTable(() => cluster.visibleJobs(session.user)) : undefined);
}

export function selectStatement(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  return evaluateSelect(cursor, tableLookup(session, cluster));
}

/** A job id operand (literal or $n), parsed as INT8 without passing through a Number. */
function jobId(cursor: Cursor): bigint {
  const operand = cursor.operand();
  if (operand.kind === 'null') throw new SqlError('22004', 'job ID cannot be NULL');
  return coerce(operand.text, TypeOid.INT8) as bigint;
}

/**
 * A job the session may control (pkg/jobs/jobsauth/authorization.go, Authorize with
 * ControlAccess): admins any, others their own; a missing job is JobNotFoundError
 * (pkg/jobs/errors.go).
 */
function controllableJob(id: bigint, session: Session, cluster: Cluster): Job {
  const job = cluster.jobs.find(id);
  if (job === undefined) throw new SqlError(SqlState.undefinedObject, `job with ID ${id} does not exist`);
  if (cluster.visibleJobs(session.user).includes(job)) return job;
  if (cluster.user(job.userName)?.admin === true) {
    throw new SqlError(SqlState.insufficientPrivilege, 'only admins can control jobs owned by other admins');
  }
  throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have privileges for job ${id}`);
}

/**
 * SHOW JOB <id>, SHOW JOB WHEN COMPLETE <id>, SHOW JOBS, SHOW JOBS SELECT ...
 * (pkg/sql/delegate/show_jobs.go). The plain form has v24.x's reduced view.
 */
export async function showJobs(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('SHOW');
  if (cursor.acceptWord('JOB')) {
    const whenComplete = cursor.acceptWord('WHEN', 'COMPLETE');
    const id = jobId(cursor);
    cursor.expectEnd();
    // SHOW JOB is SHOW JOBS over crdb_internal.jobs: an unknown or invisible job is no row.
    const job = cluster.visibleJobs(session.user).find((j) => j.id === id);
    if (job === undefined) return rowsResult(SHOW_JOBS_COLUMNS, []);
    if (whenComplete) await cluster.jobs.untilFinished(job);
    return rowsResult(SHOW_JOBS_COLUMNS, [showJobRow(job)]);
  }
  cursor.expectWord('JOBS');
  if (cursor.isWord('SELECT')) {
    const ids = evaluateSelect(cursor, tableLookup(session, cluster));
    if (ids.columns.length !== 1 || ids.columns[0].type !== TypeOid.INT8) {
      throw new SqlError('42601', 'SHOW JOBS expects a query returning one INT8 column of job IDs');
    }
    const jobs = ids.rows.map(([id]) => cluster.visibleJobs(session.user).find((j) => j.id === id)).filter((j): j is Job => j !== undefined);
    return rowsResult(SHOW_JOBS_COLUMNS, jobs.map(showJobRow));
  }
  cursor.expectEnd();
  const now = new Date();
  const sorted = [...cluster.visibleJobs(session.user)].sort((a, b) => (b.finished ?? now).getTime() - (a.finished ?? now).getTime() || b.created.getTime() - a.created.getTime());
  const rows = sorted.map((job) => showJobsRow(job, now)).filter((row): row is readonly Value[] => row !== undefined);
  return rowsResult(SHOW_JOBS_COLUMNS, rows);
}

/** CANCEL JOB / PAUSE JOB / RESUME JOB <id|$n> (pkg/sql/control_jobs.go). */
export function controlJob(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  const verb = cursor.identifier().toUpperCase();
  cursor.expectWord('JOB');
  const id = jobId(cursor);
  cursor.expectEnd();
  const job = controllableJob(id, session, cluster);
  if (verb === 'CANCEL') cluster.jobs.cancel(job);
  else if (verb === 'PAUSE') cluster.jobs.pause(job);
  else cluster.jobs.resume(job);
  return commandResult(`${verb} JOBS 1`);
}

