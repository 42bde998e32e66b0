import { Cluster } from '../cluster';
import { Session } from '../session';
import { StorageUri } from '../storage/storage-uri';
import { SqlError, SqlState } from './sql-error';

/**
 * What a non-admin needs to name a storage URI in BACKUP, SHOW BACKUP(S) or CREATE
 * EXTERNAL CONNECTION (pkg/cloud/cloudprivilege/privileges.go,
 * CheckDestinationPrivileges; admins pass at once):
 * - a URI without explicit authentication needs EXTERNALIOIMPLICITACCESS. For S3,
 *   AccessIsWithExplicitAuth is false for AUTH=implicit and also when AWS_ENDPOINT is
 *   set (an S3-compatible store: the node would send the keys to an arbitrary host);
 * - an external connection needs USAGE on it, which its owner holds.
 * The message is CockroachDB's for implicit access with the provider "s3"; that the
 * AWS_ENDPOINT case gives the same text is *unconfirmed*.
 */
export function checkStoragePrivileges(uri: StorageUri, session: Session, cluster: Cluster): void {
  if (cluster.isAdmin(session.user)) return;
  if (uri.scheme === 'external') {
    const connection = cluster.connections.get(uri.connection);
    if (connection !== undefined && connection.owner !== session.user) {
      // CheckPrivilege(USAGE) on the connection. Wording *unconfirmed*.
      throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have USAGE privilege on external_connection ${uri.connection}`);
    }
    return;
  }
  const implicit = uri.location.auth === 'implicit' || uri.location.endpoint !== undefined;
  if (implicit && !cluster.hasPrivilege(session.user, 'EXTERNALIOIMPLICITACCESS')) {
    throw new SqlError(
      SqlState.insufficientPrivilege,
      'only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI',
    );
  }
}
