import { Cluster } from '../cluster';
import { BackupContext, BackupJobWork, backupWork } from '../jobs/backup-work';
import { Session } from '../session';
import { S3Location, parseStorageUri, sanitizeStorageUri } from '../storage/storage-uri';
import { evaluateAsOfHlc } from './as-of';
import { hlcDate, nowHlc } from '../hlc';
import { BackupStatement, backupDescription, parseBackup } from './backup-statement';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { checkStoragePrivileges } from './storage-privileges';
import { ResultSet } from './values';
import { blockingResult, detachedResult } from './bulk-job-result';

/** A job whose destination cannot even be parsed: admins learn it from the job. */
function failingWork(message: string): BackupJobWork {
  return {
    resolve: () => Promise.reject(new Error(message)),
    complete: () => Promise.resolve(),
    dispose: () => undefined,
    totals: () => ({ rows: 0, sizeBytes: 0 }),
  };
}

interface Destination {
  readonly label: string;
  readonly location?: S3Location;
  readonly error?: string;
  /** For `external://<name>`: whether the connection was dropped since the statement resolved it. */
  readonly connectionDropped?: () => boolean;
}

/**
 * The destination as the statement sees it. Only non-admins get synchronous URI and
 * privilege errors (pkg/cloud/cloudprivilege/privileges.go, CheckDestinationPrivileges,
 * returns at once for admins); for an admin the same problems surface in the job.
 */
function destination(statement: BackupStatement, session: Session, cluster: Cluster): Destination {
  const admin = cluster.isAdmin(session.user);
  try {
    return checkedDestination(statement.uri, session, cluster);
  } catch (error) {
    if (!admin || !(error instanceof SqlError)) throw error;
    return { label: sanitizeStorageUri(statement.uri), error: error.message };
  }
}

function checkedDestination(uri: string, session: Session, cluster: Cluster): Destination {
  const parsed = parseStorageUri(uri);
  if (parsed.scheme === 'external') {
    // pkg/cloud/externalconn/record.go, externalConnectionNotFoundError.
    const connection = cluster.connections.get(parsed.connection);
    if (connection === undefined) throw new SqlError(SqlState.undefinedObject, `external connection with name ${parsed.connection} does not exist`);
    checkStoragePrivileges(parsed, session, cluster);
    const stored = parseStorageUri(connection.uri);
    const drops = cluster.connectionDrops.get(parsed.connection) ?? 0;
    return {
      label: uri,
      location: stored.scheme === 's3' ? cluster.nodeLocation(stored.location) : undefined,
      connectionDropped: () => (cluster.connectionDrops.get(parsed.connection) ?? 0) !== drops,
    };
  }
  checkStoragePrivileges(parsed, session, cluster);
  // AUTH=implicit and ASSUME_ROLE resolve the nodes' credentials in the job, on its first S3 request (cluster.ts).
  return { label: sanitizeStorageUri(uri), location: cluster.nodeLocation(parsed.location) };
}

export async function executeBackup(cursor: Cursor, session: Session, cluster: Cluster, context: BackupContext): Promise<ResultSet> {
  const statement = parseBackup(cursor);
  if (!statement.detached && session.transaction !== 'idle') {
    // Wording from docs/cockroachdb-behaviour.md section 1; SQLSTATE *unconfirmed*.
    throw new SqlError(SqlState.uncategorized, 'BACKUP cannot be used inside a multi-statement transaction without DETACHED option');
  }
  if (!cluster.hasPrivilege(session.user, 'BACKUP')) {
    throw new SqlError(
      SqlState.insufficientPrivilege,
      `only users with the admin role or the BACKUP system privilege are allowed to perform full cluster backups: user ${session.user} does not have BACKUP system privilege`,
    );
  }
  const target = destination(statement, session, cluster);
  // Without AS OF SYSTEM TIME the backup ends at its transaction's timestamp, whose logical
  // part may be non-zero (the double makes it 1, the case a client must handle); with
  // '-Ns' the wall time is exact to the nanosecond and the logical part 0 (DatumToHLC).
  const statementTime = nowHlc(cluster.environment.now(), 1);
  const endHlc = statement.asOf === undefined ? statementTime : evaluateAsOfHlc(statement.asOf, statementTime);
  const endTime = hlcDate(endHlc);
  const description = backupDescription(statement, target.label, statement.kind === 'incremental' ? 'LATEST' : undefined);
  const work: BackupJobWork =
    target.location === undefined
      ? failingWork(target.error ?? 'unsupported destination')
      : backupWork(
          {
            statement,
            collectionLabel: target.label,
            location: target.location,
            endTime,
            endHlc,
            incrementalStartSuffix: cluster.facts.incrementalDirStartSuffix,
            backupIndex: cluster.facts.backupIndex,
            connectionDropped: target.connectionDropped,
          },
          context,
        );
  const job = cluster.jobs.create({ description, statement: description, userName: session.user, work });
  if (session.transaction === 'idle') {
    cluster.jobs.release(job);
  } else {
    session.pendingJobs.push(job);
  }
  if (statement.detached) return detachedResult(job, 'BACKUP');
  return blockingResult(job, work.totals, cluster, 'BACKUP');
}
