import { Cluster, ExternalConnection } from '../cluster';
import { Session } from '../session';
import { CollectionStore } from '../storage/collection-store';
import { parseStorageUri } from '../storage/storage-uri';
import { Column, TypeOid } from '../wire/backend-messages';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { checkStoragePrivileges } from './storage-privileges';
import { ResultSet, commandResult, rowsResult } from './values';

/**
 * CREATE / DROP / SHOW CREATE EXTERNAL CONNECTION (pkg/sql/create_external_connection.go,
 * drop_external_connection.go, show_create_external_connection.go,
 * pkg/cloud/externalconn/record.go).
 */

const notFound = (name: string): SqlError => new SqlError(SqlState.undefinedObject, `external connection with name ${name} does not exist`);
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * CREATE validates a storage URI by writing this sentinel file, listing it and reading
 * it back; the file stays (pkg/cloud/externalconn/utils/connection_storage.go,
 * CheckExternalStorageConnection; docs: create-external-connection.md).
 */
const CHECK_FILE = 'crdb_external_storage_location';

/** A URI CREATE cannot use, as CockroachDB wraps it. */
function constructionError(error: unknown): SqlError {
  const message = error instanceof Error ? error.message : String(error);
  return new SqlError(error instanceof SqlError ? error.code : SqlState.uncategorized, `failed to construct External Connection details: ${message}`);
}

export async function createExternalConnection(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('CREATE', 'EXTERNAL', 'CONNECTION');
  const ifNotExists = cursor.acceptWord('IF', 'NOT', 'EXISTS');
  const name = cursor.nameOrString();
  cursor.expectWord('AS');
  const uri = cursor.stringOrPlaceholder();
  cursor.expectEnd();
  if (!cluster.hasPrivilege(session.user, 'EXTERNALCONNECTION')) {
    throw new SqlError(SqlState.insufficientPrivilege, 'only users with the EXTERNALCONNECTION system privilege are allowed to CREATE EXTERNAL CONNECTION');
  }
  await validateStorage(uri, session, cluster);
  if (cluster.connections.has(name)) {
    if (ifNotExists) return commandResult('CREATE EXTERNAL CONNECTION');
    throw new SqlError(SqlState.duplicateObject, `failed to create external connection: external connection with connection name ${name} already exists`);
  }
  cluster.connections.set(name, { name, uri, owner: session.user });
  return commandResult('CREATE EXTERNAL CONNECTION');
}

/** CREATE's (and ALTER's) check of a storage URI: its privileges, then the sentinel file written, listed and read. */
async function validateStorage(uri: string, session: Session, cluster: Cluster): Promise<void> {
  let parsed;
  try {
    parsed = parseStorageUri(uri);
    if (parsed.scheme !== 's3') throw new SqlError(SqlState.featureNotSupported, 'external connections cannot point at other external connections');
  } catch (error) {
    throw constructionError(error);
  }
  // Checked before the test file is written, unwrapped (as for BACKUP).
  checkStoragePrivileges(parsed, session, cluster);
  try {
    const store = new CollectionStore(cluster.nodeLocation(parsed.location));
    try {
      await store.write(CHECK_FILE, 'external connection check');
      await store.list('');
      await store.read(CHECK_FILE);
    } finally {
      store.close();
    }
  } catch (error) {
    throw constructionError(error);
  }
}

/**
 * The connection `name`, which the session's user may change: admins any, others their own (the
 * owner holds ALL on its connection, GRANT ALL at CREATE; the refusal's wording is *unconfirmed*).
 */
function ownedConnection(name: string, privilege: 'DROP' | 'UPDATE', session: Session, cluster: Cluster): ExternalConnection {
  const connection = cluster.connections.get(name);
  if (connection === undefined) throw notFound(name);
  if (!cluster.user(session.user)?.admin && connection.owner !== session.user) {
    throw new SqlError(SqlState.insufficientPrivilege, `user ${session.user} does not have ${privilege} privilege on external_connection ${name}`);
  }
  return connection;
}

export function dropExternalConnection(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  cursor.expectWord('DROP', 'EXTERNAL', 'CONNECTION');
  const name = cursor.nameOrString();
  cursor.expectEnd();
  ownedConnection(name, 'DROP', session, cluster);
  cluster.connections.delete(name);
  cluster.connectionDrops.set(name, (cluster.connectionDrops.get(name) ?? 0) + 1);
  return commandResult('DROP EXTERNAL CONNECTION');
}

/**
 * ALTER EXTERNAL CONNECTION <name> AS '<uri>' (from 25.4; docs v25.4
 * alter-external-connection.md; CockroachDB's logic tests refuse it without UPDATE on the
 * connection, which its owner holds): the same
 * record gets the new URI, validated as CREATE validates it, so a job that names
 * `external://<name>` keeps resolving it and opens storage with the new URI from then on.
 * Before 25.4 the statement does not parse.
 */
export async function alterExternalConnection(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('ALTER');
  if (!cluster.facts.alterExternalConnection) throw cursor.error();
  cursor.expectWord('EXTERNAL', 'CONNECTION');
  const name = cursor.nameOrString();
  cursor.expectWord('AS');
  const uri = cursor.stringOrPlaceholder();
  cursor.expectEnd();
  const connection = ownedConnection(name, 'UPDATE', session, cluster);
  await validateStorage(uri, session, cluster);
  cluster.connections.set(name, { ...connection, uri });
  return commandResult('ALTER EXTERNAL CONNECTION');
}

const SHOW_CREATE_COLUMNS: readonly Column[] = [
  { name: 'connection_name', type: TypeOid.TEXT },
  { name: 'create_statement', type: TypeOid.TEXT },
];

/**
 * SHOW CREATE EXTERNAL CONNECTION <name> and SHOW CREATE ALL EXTERNAL CONNECTIONS return
 * (connection_name, create_statement) with the UNREDACTED URI
 * (MutableExternalConnection.UnredactedConnectionStatement, tree.FmtShowFullURIs).
 * Non-admins see only the connections they own (*unconfirmed* rule).
 */
export function showCreateExternalConnection(cursor: Cursor, session: Session, cluster: Cluster): ResultSet {
  cursor.expectWord('SHOW', 'CREATE');
  const all = cursor.acceptWord('ALL');
  cursor.expectWord('EXTERNAL');
  let names: string[];
  if (all) {
    cursor.expectWord('CONNECTIONS');
    names = [...cluster.connections.keys()].sort();
  } else {
    cursor.expectWord('CONNECTION');
    const name = cursor.nameOrString();
    if (!cluster.connections.has(name)) throw notFound(name);
    names = [name];
  }
  cursor.expectEnd();
  const admin = cluster.user(session.user)?.admin === true;
  const rows = names.flatMap((name) => {
    const c = cluster.connections.get(name);
    return c !== undefined && (admin || c.owner === session.user) ? [[c.name, `CREATE EXTERNAL CONNECTION ${quote(c.name)} AS ${quote(c.uri)}`]] : [];
  });
  if (!all && rows.length === 0) {
    throw new SqlError(SqlState.insufficientPrivilege, `must be admin or owner of the External Connection ${names[0]}`);
  }
  return rowsResult(SHOW_CREATE_COLUMNS, rows);
}
