import { CHANGE_OWN_PASSWORD_SETTING, Cluster, RoleOption } from '../cluster';
import { Session } from '../session';
import { scramVerifier } from '../wire/scram';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, commandResult } from './values';

/**
 * `ALTER {ROLE|USER} [IF EXISTS] <role_spec> [WITH] PASSWORD {<string_or_placeholder>|NULL}`
 * (pkg/sql/parser/sql.y: `password_clause: PASSWORD string_or_placeholder | PASSWORD NULL`; a
 * role_spec is a name, a string, CURRENT_USER or SESSION_USER, never a placeholder since v21.2,
 * cockroachdb/cockroach#71498). Other role options are not modelled. The checks, in the order of
 * pkg/sql/alter_role.go (alterRoleNode.startExec):
 * 1. the role `admin`: 42501 `cannot edit admin role`;
 * 2. the session's own user, PASSWORD the only option, a non-null password and
 *    sql.auth.change_own_password.enabled on: no privilege needed. Otherwise CREATEROLE, then
 *    (PASSWORD is a login option, checkPasswordOptionConstraints) CREATELOGIN, each refused with
 *    42501 `user <u> does not have <OPTION> privilege` (pkg/sql/authorization.go,
 *    CheckGlobalPrivilegeOrRoleOption); admins have both;
 * 3. the role exists: 42704 `role/user "<r>" does not exist` (sqlerrors.NewUndefinedUserError),
 *    unless IF EXISTS;
 * 4. an admin role is altered by admins only: 42501 `only users with the admin role are allowed
 *    to alter another admin`.
 * Then system.users gets the new hash: a SCRAM-SHA-256 verifier (the default
 * server.user_login.password_encryption since v22.2), so the next login needs the new password
 * and the old one fails. Nothing in alter_role.go ends a session: connections already
 * authenticated go on (password checks happen at login only, pkg/sql/pgwire/auth.go).
 */
export function alterRolePassword(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  cursor.expectWord('ALTER');
  if (!cursor.acceptWord('ROLE')) cursor.expectWord('USER');
  const ifExists = cursor.acceptWord('IF', 'EXISTS');
  const roleName = roleSpec(cursor, session);
  cursor.acceptWord('WITH');
  cursor.acceptWord('ENCRYPTED');
  cursor.expectWord('PASSWORD');
  const password = cursor.acceptWord('NULL') ? null : cursor.stringOrPlaceholder();
  cursor.expectEnd();

  if (roleName === 'admin') throw new SqlError(SqlState.insufficientPrivilege, 'cannot edit admin role');
  const ownPassword = roleName === session.user && password !== null && cluster.clusterSettings.get(CHANGE_OWN_PASSWORD_SETTING) === 'true';
  if (!ownPassword) {
    for (const option of ['CREATEROLE', 'CREATELOGIN'] as const satisfies readonly RoleOption[]) {
      if (!cluster.hasRoleOption(session.user, option)) throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have ${option} privilege`);
    }
  }
  const role = cluster.user(roleName);
  if (role === undefined) {
    if (ifExists) return commandResult('ALTER ROLE');
    throw new SqlError(SqlState.undefinedObject, `role/user "${roleName}" does not exist`);
  }
  if (role.admin && !cluster.isAdmin(session.user)) {
    throw new SqlError(SqlState.insufficientPrivilege, 'only users with the admin role are allowed to alter another admin');
  }
  role.verifier = password === null ? undefined : scramVerifier(password);
  return commandResult('ALTER ROLE');
}

/** A role_spec (pkg/sql/parser/sql.y): CURRENT_USER and SESSION_USER name the session's user. */
function roleSpec(cursor: Cursor, session: Session): string {
  if (cursor.acceptWord('CURRENT_USER') || cursor.acceptWord('SESSION_USER')) return session.user;
  const token = cursor.peek();
  if (token?.kind === 'placeholder') throw cursor.error();
  return cursor.nameOrString();
}

/**
 * `SET CLUSTER SETTING <name> {=|TO} <value>` for the settings the double models
 * (Cluster.clusterSettings). Admins only here: CockroachDB also admits MODIFYCLUSTERSETTING and
 * MODIFYSQLCLUSTERSETTING holders, with the refusal below (42501; wording *unconfirmed*, quoted
 * from an operator's transcript, not from the source). Booleans are kept as 'true' or 'false'.
 */
export function setClusterSetting(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  cursor.expectWord('SET', 'CLUSTER', 'SETTING');
  const parts = [cursor.identifier()];
  while (cursor.acceptOp('.')) parts.push(cursor.identifier());
  const name = parts.join('.');
  if (!cursor.acceptOp('=')) cursor.expectWord('TO');
  const value = cursor.operand();
  cursor.expectEnd();
  if (!cluster.clusterSettings.has(name)) throw new SqlError(SqlState.featureNotSupported, `the CockroachDB double does not model cluster setting ${name}`);
  if (!cluster.isAdmin(session.user)) {
    throw new SqlError(SqlState.insufficientPrivilege, `only users with the MODIFYCLUSTERSETTING or MODIFYSQLCLUSTERSETTING privilege are allowed to set cluster setting '${name}'`);
  }
  const text = value.kind === 'null' ? '' : value.text.toLowerCase();
  // Wording *unconfirmed*.
  if (text !== 'true' && text !== 'false') throw new SqlError(SqlState.invalidParameterValue, `invalid boolean value for cluster setting ${name}`);
  cluster.clusterSettings.set(name, text);
  return commandResult('SET CLUSTER SETTING');
}
