import { BackupSettings } from '../connect/config';
import { BackupFailure } from '../connect/errors';
import { Session } from '../connect/session';
import { isActive } from '../observe/job';
import { visibleStorageJobs } from '../observe/job-queries';
import { sqlString } from './statement';
import { describesCollection } from './storage';

/**
 * - `deferred`: it holds another key, but one of our jobs runs on it and the cluster has no
 *   ALTER EXTERNAL CONNECTION (before v25.4): kept as it is until that job ended.
 */
export type ExternalConnectionChange = 'created' | 'kept' | 'altered' | 'replaced' | 'deferred';

/** SQLSTATE 42601: ALTER EXTERNAL CONNECTION does not parse before v25.4. */
const SYNTAX_ERROR = '42601';

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
 * - A job that names `external://<name>` resolves the name each time it opens storage: a
 *   DROP while it runs can fail it, even when a CREATE follows at once
 *   (docs/cockroachdb-behaviour.md section 5). `ALTER EXTERNAL CONNECTION <name> AS '<uri>'`
 *   (v25.4 on; docs v25.4 alter-external-connection.md) changes the URI in place, which a
 *   running job then reads on its next open.
 * So a changed key is an ALTER where the cluster has it; before v25.4, DROP and CREATE (CREATE
 * validates the URI by writing a test file), but only while none of our backup or restore
 * jobs on the connection is running; otherwise the change waits for a run after it ended
 * (the previous key stays valid for a while after a rotation: lambda/rotation).
 * What is compared: the URI without its secret key (bucket, path, region, endpoint,
 * access key id). A rotation always creates a new key id, so the id is enough to see it.
 */
export async function ensureExternalConnection(session: Session, settings: BackupSettings, uri: string): Promise<ExternalConnectionChange> {
  const name = settings.externalConnectionName!;
  const current = await showConnectionUri(session, name);
  if (current !== undefined && sameDestination(current, uri)) return 'kept';
  if (current === undefined) {
    await session.query(`creating the external connection ${name}`, `CREATE EXTERNAL CONNECTION ${sqlString(name)} AS ${sqlString(uri)}`);
    return 'created';
  }
  try {
    await session.query(`altering the external connection ${name}`, `ALTER EXTERNAL CONNECTION ${sqlString(name)} AS ${sqlString(uri)}`);
    return 'altered';
  } catch (error) {
    if (!(error instanceof BackupFailure && error.code === SYNTAX_ERROR)) throw error;
  }
  const running = (await visibleStorageJobs(session)).filter((job) => isActive(job) && describesCollection(settings, job.description));
  if (running.length > 0) return 'deferred';
  await session.query(`dropping the outdated external connection ${name}`, `DROP EXTERNAL CONNECTION ${sqlString(name)}`);
  await session.query(`creating the external connection ${name}`, `CREATE EXTERNAL CONNECTION ${sqlString(name)} AS ${sqlString(uri)}`);
  return 'replaced';
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
