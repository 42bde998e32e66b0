import { Cluster, SYSTEM_PRIVILEGES, SystemPrivilege } from '../cluster';
import { Session } from '../session';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, commandResult } from './values';

/**
 * GRANT SYSTEM <privilege>[, ...] TO <user>[, ...] and REVOKE SYSTEM ... FROM ...
 * (system privileges, pkg/sql/grant_revoke_system.go). Only admins may run them here
 * (CockroachDB also allows holders of the privilege WITH GRANT OPTION).
 */
export function grantOrRevoke(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  const grant = cursor.acceptWord('GRANT');
  if (!grant) cursor.expectWord('REVOKE');
  cursor.expectWord('SYSTEM');
  const privileges: string[] = [];
  do privileges.push(cursor.identifier().toUpperCase());
  while (cursor.acceptOp(','));
  cursor.expectWord(grant ? 'TO' : 'FROM');
  const users: string[] = [];
  do users.push(cursor.identifier());
  while (cursor.acceptOp(','));
  cursor.expectEnd();
  if (cluster.user(session.user)?.admin !== true) {
    // Wording *unconfirmed*.
    throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} missing WITH GRANT OPTION privilege on ${privileges.join(', ')}`);
  }
  for (const privilege of privileges) {
    if (!(SYSTEM_PRIVILEGES as readonly string[]).includes(privilege)) throw new SqlError(SqlState.featureNotSupported, `the CockroachDB double does not model system privilege ${privilege}`);
  }
  for (const name of users) {
    const user = cluster.user(name);
    if (user === undefined) throw new SqlError(SqlState.undefinedObject, `role/user "${name}" does not exist`);
    for (const privilege of privileges as SystemPrivilege[]) {
      if (grant) user.privileges.add(privilege);
      else user.privileges.delete(privilege);
    }
  }
  return commandResult(grant ? 'GRANT' : 'REVOKE');
}
