import { Cluster } from '../cluster';
import { BackupContext } from '../jobs/backup-work';
import { Session, setSessionVariable } from '../session';
import { TypeOid } from '../wire/backend-messages';
import { executeBackup } from './backup-executor';
import { showBackups } from './backup-listing';
import { Cursor } from './cursor';
import { dropDatabase, showDatabases } from './databases';
import { executeRestore } from './restore-executor';
import { alterExternalConnection, createExternalConnection, dropExternalConnection, showCreateExternalConnection } from './external-connections';
import { controlJob, selectStatement, showJobs } from './job-statements';
import { grantOrRevoke } from './privileges';
import { alterRolePassword, setClusterSetting } from './roles';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, commandResult, rowsResult } from './values';

/**
 * Executes one statement for a session. Dispatches on the leading keywords; anything
 * the double does not know is CockroachDB's syntax error, never a silent success.
 */
export async function executeStatement(text: string, params: readonly (string | null)[], session: Session, cluster: Cluster, context: BackupContext): Promise<ResultSet> {
  const cursor = new Cursor(text, params);
  if (cursor.atEnd()) return commandResult('');
  const isTransactionEnd = cursor.isWord('COMMIT') || cursor.isWord('ROLLBACK') || cursor.isWord('END') || cursor.isWord('ABORT');
  if (session.transaction === 'failed' && !isTransactionEnd) {
    throw new SqlError(SqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
  }
  if (cursor.isWord('BEGIN') || cursor.isWord('START', 'TRANSACTION')) return begin(cursor, session);
  if (isTransactionEnd) return endTransaction(cursor, session, cluster);
  if (cursor.isWord('SET', 'CLUSTER', 'SETTING')) return setClusterSetting(cursor, session, cluster);
  if (cursor.isWord('SET')) return setVariable(cursor, session);
  if (cursor.isWord('BACKUP')) return executeBackup(cursor, session, cluster, context);
  if (cursor.isWord('RESTORE')) return executeRestore(cursor, session, cluster);
  if (cursor.isWord('SELECT')) return selectOrConstant(cursor, session, cluster);
  if (cursor.isWord('SHOW', 'JOB') || cursor.isWord('SHOW', 'JOBS')) return showJobs(cursor, session, cluster);
  if (cursor.isWord('SHOW', 'BACKUPS') || cursor.isWord('SHOW', 'BACKUP')) return showBackups(cursor, session, cluster);
  if (cursor.isWord('SHOW', 'CREATE')) return showCreateExternalConnection(cursor, session, cluster);
  if (cursor.isWord('SHOW', 'DATABASES')) return showDatabases(cursor, cluster);
  if (cursor.isWord('SHOW')) return showVariable(cursor, session);
  if (cursor.isWord('CANCEL', 'JOB') || cursor.isWord('PAUSE', 'JOB') || cursor.isWord('RESUME', 'JOB')) return controlJob(cursor, session, cluster);
  if (cursor.isWord('CREATE', 'EXTERNAL', 'CONNECTION')) return createExternalConnection(cursor, session, cluster);
  if (cursor.isWord('DROP', 'EXTERNAL', 'CONNECTION')) return dropExternalConnection(cursor, session, cluster);
  if (cursor.isWord('ALTER', 'EXTERNAL', 'CONNECTION')) return alterExternalConnection(cursor, session, cluster);
  if (cursor.isWord('DROP', 'DATABASE')) return dropDatabase(cursor, session, cluster);
  if (cursor.isWord('ALTER', 'ROLE') || cursor.isWord('ALTER', 'USER')) return alterRolePassword(cursor, session, cluster);
  if (cursor.isWord('GRANT', 'SYSTEM') || cursor.isWord('REVOKE', 'SYSTEM')) return grantOrRevoke(cursor, session, cluster);
  throw cursor.error();
}

function begin(cursor: Cursor, session: Session): ResultSet {
  if (!cursor.acceptWord('BEGIN')) cursor.expectWord('START', 'TRANSACTION');
  cursor.acceptWord('TRANSACTION');
  cursor.expectEnd();
  if (session.transaction !== 'idle') throw new SqlError(SqlState.activeSqlTransaction, 'there is already a transaction in progress');
  session.transaction = 'open';
  return commandResult('BEGIN');
}

/**
 * COMMIT makes the jobs created in the transaction runnable (the job row becomes
 * visible to the registry); ROLLBACK, or COMMIT of a failed transaction, removes them.
 */
function endTransaction(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  const commit = cursor.acceptWord('COMMIT') || cursor.acceptWord('END');
  if (!commit) {
    if (!cursor.acceptWord('ROLLBACK')) cursor.expectWord('ABORT');
  }
  cursor.acceptWord('TRANSACTION');
  cursor.expectEnd();
  const committed = commit && session.transaction === 'open';
  for (const job of session.pendingJobs.splice(0)) {
    if (committed) cluster.jobs.release(job);
    else cluster.jobs.discard(job);
  }
  session.transaction = 'idle';
  return commandResult(committed ? 'COMMIT' : 'ROLLBACK');
}

/** SET [SESSION] name = value | TO value: stored and echoed by SHOW, otherwise harmless. */
function setVariable(cursor: Cursor, session: Session): ResultSet {
  cursor.expectWord('SET');
  cursor.acceptWord('SESSION');
  const name = cursor.identifier();
  if (!cursor.acceptOp('=')) cursor.expectWord('TO');
  const value = cursor.peek()?.kind === 'word' ? cursor.identifier() : cursor.operand();
  cursor.expectEnd();
  setSessionVariable(session, name, typeof value === 'string' ? value : value.kind === 'null' ? '' : value.text);
  return commandResult('SET');
}

function showVariable(cursor: Cursor, session: Session): ResultSet {
  cursor.expectWord('SHOW');
  const name = cursor.identifier();
  cursor.expectEnd();
  const value = session.settings.get(name);
  if (value === undefined) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
  return rowsResult([{ name, type: TypeOid.TEXT }], [[value]], 'SHOW');
}

/** `SELECT 1` (a connection check) or a SELECT over a virtual table. */
async function selectOrConstant(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  const next = cursor.peek(1);
  if (next?.kind === 'number' && cursor.peek(2) === undefined) {
    return rowsResult([{ name: '?column?', type: TypeOid.INT8 }], [[BigInt(next.text)]]);
  }
  return selectStatement(cursor, session, cluster);
}
