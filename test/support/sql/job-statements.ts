import { Cluster } from '../cluster';
import { Job } from '../jobs/job';
import { Session } from '../session';
import { Cursor } from './cursor';
import { jobsById, jobsTable, plainShowJobs, project } from './jobs-table';
import { Table, dataSourceStatement, evaluateSelect } from './select';
import { showBackups } from './backup-listing';
import { SqlError, SqlState } from './sql-error';
import { checkInternalsAccess } from './unsafe-internals';
import { ResultSet, Value, coerce, commandResult, rowsResult } from './values';
import { TypeOid } from '../wire/backend-messages';

/**
 * What a SELECT the user wrote may read: crdb_internal.jobs behind the unsafe-internals
 * gate, and `[SHOW JOBS]` or `[SHOW BACKUP ...]` (`backupSource`, read beforehand), which (SHOW
 * statements) bypass it. Other names do not exist.
 */
function tableLookup(session: Session, cluster: Cluster, backupSource?: Table): (name: string) => Table | undefined {
  return (name) => {
    checkInternalsAccess(name, session);
    if (name === 'crdb_internal.jobs') return jobsTable(cluster.facts, () => cluster.visibleJobs(session.user));
    if (name === '[SHOW JOBS]') return plainShowJobs(cluster.facts, cluster.visibleJobs(session.user), cluster.environment.now());
    if (name === backupSource?.name) return backupSource;
    if (name.startsWith('[')) throw new SqlError(SqlState.featureNotSupported, `the CockroachDB double does not model ${name} as a data source`);
    return undefined;
  };
}

/**
 * `SELECT ... FROM [SHOW BACKUP ...]`: any statement that returns rows is a data source
 * (tree.StatementSource, built by the optimizer like a subquery: pkg/sql/opt/optbuilder,
 * buildDataSource), SHOW BACKUP included, on every supported version; CockroachDB's own
 * tests and roachtests read backups so (`SELECT DISTINCT start_time, end_time FROM [SHOW
 * BACKUP FROM LATEST IN ...]`). The inner statement runs first, with the session's user and
 * privileges, exactly as on its own (storage reads, use_backups_with_ids); the SELECT then
 * filters and projects its rows inside the cluster, so only those reach the client.
 */
async function showBackupSource(cursor: Cursor, session: Session, cluster: Cluster): Promise<Table | undefined> {
  const name = dataSourceStatement(cursor);
  if (name === undefined || !name.startsWith('[SHOW BACKUP ')) return undefined;
  const result = await showBackups(new Cursor(name.slice(1, -1), []), session, cluster);
  const rows = result.rows.map((row) => Object.fromEntries(result.columns.map((column, i) => [column.name, row[i]])));
  return { name, columns: result.columns, rows: () => rows };
}

export async function selectStatement(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  const backupSource = await showBackupSource(cursor.clone(), session, cluster);
  return evaluateSelect(cursor, tableLookup(session, cluster, backupSource));
}

/** A job id operand (literal or $n), parsed as INT8 without passing through a Number. */
function jobId(cursor: Cursor): bigint {
  const operand = cursor.operand();
  if (operand.kind === 'null') throw new SqlError('22004', 'job ID cannot be NULL');
  return coerce(operand.text, TypeOid.INT8) as bigint;
}

/**
 * A job the session may control (pkg/jobs/jobsauth/authorization.go, Authorize with
 * ControlAccess; pkg/sql/control_jobs.go): admins any job; jobs owned by an admin only
 * admins; others need CONTROLJOB, or from 25.1 own the job. Before 25.1 a non-admin
 * without CONTROLJOB is refused before any job is looked at, even for its own jobs.
 * A missing job is JobNotFoundError (pkg/jobs/errors.go).
 */
function controllableJob(id: bigint, session: Session, cluster: Cluster): Job {
  const admin = cluster.isAdmin(session.user);
  const controlJob = cluster.hasPrivilege(session.user, 'CONTROLJOB');
  if (!admin && !controlJob && !cluster.facts.ownersControlTheirJobs) {
    throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have CONTROLJOB privilege`);
  }
  const job = cluster.jobs.find(id);
  if (job === undefined) throw new SqlError(SqlState.undefinedObject, `job with ID ${id} does not exist`);
  if (admin) return job;
  if (cluster.isAdmin(job.userName)) {
    throw new SqlError(SqlState.insufficientPrivilege, 'only admins can control jobs owned by other admins');
  }
  if (controlJob || job.userName === session.user) return job;
  throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have privileges for job ${id}`);
}

/**
 * SHOW JOB [WHEN COMPLETE] <id>, SHOW JOBS, SHOW JOBS SELECT ... (pkg/sql/delegate/show_jobs.go):
 * a delegate over crdb_internal.jobs, so it bypasses the unsafe-internals gate and shows
 * only the jobs the user may see. With ids: every column, full descriptions, no time
 * window; plain: the 12-hour window and, from 24.1, the reduced view (plainShowJobs).
 */
export async function showJobs(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('SHOW');
  const visible = cluster.visibleJobs(session.user);
  if (cursor.acceptWord('JOB')) {
    const whenComplete = cursor.acceptWord('WHEN', 'COMPLETE');
    const id = jobId(cursor);
    cursor.expectEnd();
    // An unknown or invisible job is no row.
    const job = visible.find((j) => j.id === id);
    if (job !== undefined && whenComplete) await cluster.jobs.pollUntilFinished(job, cluster.environment.whenCompleteIntervalMs);
    const shown = jobsById(cluster.facts, job === undefined ? [] : [job]);
    return rowsResult(shown.columns, shown.rows);
  }
  cursor.expectWord('JOBS');
  if (cursor.isWord('SELECT') || cursor.isWord('VALUES')) {
    // WHERE job_id IN (<the query>): each visible job once, whatever the query repeats.
    const wanted = new Set(cursor.isWord('VALUES') ? valuesIds(cursor) : selectedIds(cursor, session, cluster));
    const shown = jobsById(cluster.facts, visible.filter((j) => wanted.has(j.id)));
    return rowsResult(shown.columns, shown.rows);
  }
  cursor.expectEnd();
  const table = plainShowJobs(cluster.facts, visible, cluster.environment.now());
  return rowsResult(table.columns, table.rows().map((row) => project(table.columns, row)));
}

function selectedIds(cursor: Cursor, session: Session, cluster: Cluster): readonly Value[] {
  const ids = evaluateSelect(cursor, tableLookup(session, cluster));
  if (ids.columns.length !== 1 || ids.columns[0].type !== TypeOid.INT8) {
    throw new SqlError('42601', 'SHOW JOBS expects a query returning one INT8 column of job IDs');
  }
  return ids.rows.map(([id]) => id);
}

/** `VALUES (<id>), (<id>) ...`: literal ids or parameters. */
function valuesIds(cursor: Cursor): readonly bigint[] {
  cursor.expectWord('VALUES');
  const ids: bigint[] = [];
  do {
    cursor.expectOp('(');
    ids.push(jobId(cursor));
    cursor.expectOp(')');
  } while (cursor.acceptOp(','));
  cursor.expectEnd();
  return ids;
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

