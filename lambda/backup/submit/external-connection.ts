import { Session } from '../connect/session';
import { sqlString } from './statement';

export type ExternalConnectionChange = 'created' | 'kept' | 'replaced';

/**
 * Keeps the external connection `<name>` pointing at the collection with the current
 * access key. Facts (CockroachDB source):
 * - `SHOW CREATE EXTERNAL CONNECTION '<name>'` returns (connection_name,
 *   create_statement) with the UNREDACTED URI, secret key included
 *   (pkg/sql/show_create_external_connection.go, UnredactedConnectionStatement in
 *   pkg/cloud/externalconn/record.go); it is allowed to the connection's owner, which
 *   the Lambda is since it created it. The row is therefore compared here and never
 *   logged.
 * - A missing connection gives "external connection with name <n> does not exist".
 * - The URI cannot be altered by this statement set: a changed key means DROP and
 *   CREATE (CREATE validates the URI by writing a test file to the bucket).
 * What is compared: the URI without its secret key (bucket, path, region, endpoint,
 * access key id). A rotation always creates a new key id, so the id is enough to see it.
 */
export async function ensureExternalConnection(session: Session, name: string, uri: string): Promise<ExternalConnectionChange> {
  const current = await showConnectionUri(session, name);
  if (current !== undefined && sameDestination(current, uri)) return 'kept';
  if (current !== undefined) {
    await session.query(`dropping the outdated external connection ${name}`, `DROP EXTERNAL CONNECTION ${sqlString(name)}`);
  }
  await session.query(`creating the external connection ${name}`, `CREATE EXTERNAL CONNECTION ${sqlString(name)} AS ${sqlString(uri)}`);
  return current === undefined ? 'created' : 'replaced';
}

async function showConnectionUri(session: Session, name: string): Promise<string | undefined> {
  let rows: { create_statement: string }[];
  try {
    rows = await session.query(`reading the external connection ${name}`, `SHOW CREATE EXTERNAL CONNECTION ${sqlString(name)}`);
  } catch (error) {
    if (error instanceof Error && /does not exist/i.test(error.message)) return undefined;
    throw error;
  }
  if (rows.length === 0) return undefined;
  return uriOfCreateStatement(rows[0].create_statement);
}

/** The URI in `CREATE EXTERNAL CONNECTION '<name>' AS '<uri>'` (SQL quotes undone). */
export function uriOfCreateStatement(statement: string): string | undefined {
  const match = /\sAS\s+'((?:[^']|'')*)'\s*$/i.exec(statement);
  return match === null ? undefined : match[1].replace(/''/g, "'");
}

/** Whether two storage URIs name the same place with the same key id (secret ignored). */
export function sameDestination(a: string, b: string): boolean {
  const x = withoutSecret(a);
  return x !== undefined && x === withoutSecret(b);
}

function withoutSecret(uri: string): string | undefined {
  try {
    const parsed = new URL(uri);
    const params = [...parsed.searchParams.entries()].filter(([k]) => k !== 'AWS_SECRET_ACCESS_KEY').sort(([x], [y]) => x.localeCompare(y));
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}?${params.map(([k, v]) => `${k}=${v}`).join('&')}`;
  } catch {
    return undefined;
  }
}
