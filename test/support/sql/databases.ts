import { Cluster } from '../cluster';
import { SYSTEM_DATABASE } from '../schema';
import { Session } from '../session';
import { Column, TypeOid } from '../wire/backend-messages';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, commandResult, rowsResult } from './values';

/**
 * SHOW DATABASES (pkg/sql/delegate/show_databases.go, over crdb_internal.databases):
 * these columns on every supported version (sessions with v22.2 and v24.2 print the same
 * header), `system` owned by `node`, sorted by name. Multi-region columns are NULL and
 * `regions` is '{}' (no region is modelled). CockroachDB hides databases on which the user
 * has no CONNECT privilege; the double, without database privileges, shows all.
 */
const SHOW_DATABASES_COLUMNS: readonly Column[] = [
  { name: 'database_name', type: TypeOid.TEXT },
  { name: 'owner', type: TypeOid.NAME },
  { name: 'primary_region', type: TypeOid.TEXT },
  { name: 'secondary_region', type: TypeOid.TEXT },
  { name: 'regions', type: TypeOid.TEXT_ARRAY },
  { name: 'survival_goal', type: TypeOid.TEXT },
];

export function showDatabases(cursor: Cursor, cluster: Cluster): ResultSet {
  cursor.expectWord('SHOW', 'DATABASES');
  cursor.expectEnd();
  const names = [...cluster.databases.keys()].sort();
  return rowsResult(
    SHOW_DATABASES_COLUMNS,
    names.map((name) => [name, cluster.databases.get(name)?.owner ?? null, null, null, '{}', null]),
  );
}

/** `database "<name>" does not exist` (sqlerrors.NewUndefinedDatabaseError, 3D000). */
export function undefinedDatabase(name: string): SqlError {
  return new SqlError(SqlState.invalidCatalogName, `database "${name}" does not exist`);
}

/**
 * DROP DATABASE [IF EXISTS] <name> [CASCADE | RESTRICT] (pkg/sql/schemachanger/scbuild/
 * internal/scbuildstmt/drop_database.go):
 * - the DROP privilege on the database, which its owner and admins hold; otherwise 42501
 *   `user <u> does not have DROP privilege on database <name>` (the CheckPrivilege wording);
 * - without CASCADE or RESTRICT the drop cascades (unless sql_safe_updates, which clients
 *   other than the cockroach shell leave off); RESTRICT on a database with tables fails with
 *   2BP01 `database "<name>" is not empty and RESTRICT was specified`.
 * The double grants no database privileges, so only owners and admins drop.
 */
export function dropDatabase(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  cursor.expectWord('DROP', 'DATABASE');
  const ifExists = cursor.acceptWord('IF', 'EXISTS');
  const name = cursor.identifier();
  const restrict = cursor.acceptWord('RESTRICT');
  if (!restrict) cursor.acceptWord('CASCADE');
  cursor.expectEnd();
  const database = cluster.databases.get(name);
  if (database === undefined) {
    if (ifExists) return commandResult('DROP DATABASE');
    throw undefinedDatabase(name);
  }
  if (name === SYSTEM_DATABASE.name) {
    throw new SqlError(SqlState.featureNotSupported, 'the CockroachDB double does not model dropping the system database');
  }
  if (!cluster.isAdmin(session.user) && database.owner !== session.user) {
    throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have DROP privilege on database ${name}`);
  }
  if (restrict && database.tables.length > 0) {
    throw new SqlError(SqlState.dependentObjectsStillExist, `database "${name}" is not empty and RESTRICT was specified`);
  }
  cluster.databases.delete(name);
  return commandResult('DROP DATABASE');
}
