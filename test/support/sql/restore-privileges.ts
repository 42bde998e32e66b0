import { Cluster } from '../cluster';
import { Session } from '../session';
import { RestoreStatement } from './restore-statement';
import { SqlError, SqlState } from './sql-error';

/** deprecatedPrivilegesRestorePreamble (pkg/backup/backupbase, constants). */
const DEPRECATED_PRIVILEGES_PREAMBLE =
  'The existing privileges are being deprecated in favour of a fine-grained privilege model explained here ' +
  'https://www.cockroachlabs.com/docs/stable/restore.html#required-privileges. In a future release, to run';

/**
 * checkPrivilegesForRestore (pkg/backup/restore_planning.go): admins pass. A cluster
 * restore needs the RESTORE system privilege. A database restore needs RESTORE or, the
 * deprecated way, CREATEDB, with a notice (and, without CREATEDB either, 42501 with the
 * notice as hint); the source of the pkg/backup era still accepts CREATEDB. The storage
 * URI's own rules (those of BACKUP) are checked when the collection is read.
 * @returns the notices to send
 */
export function checkRestorePrivileges(statement: RestoreStatement, session: Session, cluster: Cluster): string[] {
  if (cluster.isAdmin(session.user)) return [];
  if (statement.databases === undefined) {
    if (!cluster.hasPrivilege(session.user, 'RESTORE')) {
      throw new SqlError(
        SqlState.insufficientPrivilege,
        `only users with the admin role or the RESTORE system privilege are allowed to perform a cluster restore: user ${session.user} does not have RESTORE system privilege`,
      );
    }
    return [];
  }
  if (cluster.hasPrivilege(session.user, 'RESTORE')) return [];
  const notice = `${DEPRECATED_PRIVILEGES_PREAMBLE} RESTORE DATABASE, user ${session.user} will exclusively require the RESTORE system privilege.`;
  if (!cluster.hasPrivilege(session.user, 'CREATEDB')) {
    throw new SqlError(SqlState.insufficientPrivilege, 'only users with the CREATEDB privilege can restore databases', undefined, notice);
  }
  return [notice];
}
