import { Cursor, parseWithOptions } from './cursor';
import { SqlError, SqlState, syntaxError } from './sql-error';

/**
 * `RESTORE [DATABASE <db>[, ...]] FROM LATEST | '<subdir>' IN '<uri>' [AS OF SYSTEM TIME <expr>]
 * [WITH [OPTIONS] [(] <option>[, ...] [)]]` (pkg/sql/parser/sql.y, restore_stmt), with the
 * options this project sends: schema_only, verify_backup_table_data, new_db_name = '<name>',
 * detached. Without DATABASE it is a full cluster restore.
 */
export interface RestoreStatement {
  /** The databases to restore; undefined: the whole cluster. */
  readonly databases?: readonly string[];
  /** The full backup's subdirectory; undefined: LATEST. */
  readonly subdir?: string;
  readonly uri: string;
  /** The AS OF SYSTEM TIME expression as written, if any. */
  readonly asOf?: string;
  readonly schemaOnly: boolean;
  readonly verifyData: boolean;
  readonly newDbName?: string;
  readonly detached: boolean;
}

/** Options CockroachDB has that the double does not model: refused clearly instead of ignored. */
const UNMODELLED_OPTIONS = new Set([
  'into_db',
  'skip_missing_foreign_keys',
  'skip_missing_sequences',
  'skip_missing_sequence_owners',
  'skip_missing_views',
  'skip_missing_udfs',
  'skip_localities_check',
  'encryption_passphrase',
  'kms',
  'incremental_location',
  'unsafe_restore_incompatible_version',
  'remove_regions',
  'execution',
  'experimental',
]);

export function parseRestore(cursor: Cursor): RestoreStatement {
  cursor.expectWord('RESTORE');
  let databases: string[] | undefined;
  if (cursor.acceptWord('DATABASE')) {
    databases = [];
    do databases.push(cursor.identifier());
    while (cursor.acceptOp(','));
  } else if (cursor.isWord('TABLE') || cursor.isWord('SYSTEM') || cursor.isWord('VIRTUAL') || cursor.isWord('TENANT')) {
    throw new SqlError(SqlState.featureNotSupported, `the CockroachDB double does not model RESTORE ${cursor.identifier().toUpperCase()}`);
  }
  cursor.expectWord('FROM');
  const subdir = cursor.acceptWord('LATEST') ? undefined : cursor.stringOrPlaceholder();
  if (!cursor.isWord('IN')) {
    // RESTORE ... FROM '<uri>' without IN: the syntax removed in 23.1 (backups taken with BACKUP TO).
    throw new SqlError(SqlState.featureNotSupported, 'the CockroachDB double does not model RESTORE FROM <uri> without IN');
  }
  cursor.expectWord('IN');
  const uri = cursor.stringOrPlaceholder();
  let asOf: string | undefined;
  if (cursor.acceptWord('AS', 'OF', 'SYSTEM', 'TIME')) {
    const value = cursor.operand();
    if (value.kind === 'null') throw new SqlError(SqlState.invalidParameterValue, 'AS OF SYSTEM TIME: expected timestamp, got NULL');
    asOf = value.text;
  }
  const options: { schemaOnly: boolean; verifyData: boolean; newDbName?: string; detached: boolean } = { schemaOnly: false, verifyData: false, detached: false };
  parseWithOptions(cursor, (c) => parseOption(c, options));
  cursor.expectEnd();
  return { databases, subdir, uri, asOf, ...options };
}

/**
 * Each option at most once (tree.RestoreOptions.CombineWith: "<option> option specified
 * multiple times"), reported like the parser's errors (42601), as for BACKUP.
 */
function parseOption(cursor: Cursor, options: { schemaOnly: boolean; verifyData: boolean; newDbName?: string; detached: boolean }): void {
  const token = cursor.peek();
  const name = token?.kind === 'word' ? cursor.identifier() : undefined;
  const duplicate = (text: string): SqlError => new SqlError('42601', text);
  switch (name) {
    case 'schema_only':
      if (options.schemaOnly) throw duplicate('schema_only option specified multiple times');
      options.schemaOnly = true;
      return;
    case 'verify_backup_table_data':
      if (options.verifyData) throw duplicate('verify_backup_table_data option specified multiple times');
      options.verifyData = true;
      return;
    case 'detached':
      if (options.detached) throw duplicate('detached option specified multiple times');
      options.detached = true;
      return;
    case 'new_db_name':
      if (options.newDbName !== undefined) throw duplicate('new_db_name specified multiple times');
      cursor.expectOp('=');
      options.newDbName = cursor.stringOrPlaceholder();
      return;
    default:
      if (name !== undefined && UNMODELLED_OPTIONS.has(name)) {
        throw new SqlError(SqlState.featureNotSupported, `the CockroachDB double does not model the RESTORE option ${name}`);
      }
      throw token === undefined ? syntaxError(undefined) : syntaxError(token.kind === 'string' ? `'${token.text}'` : token.text);
  }
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * A name as CockroachDB prints it (tree.Name.Format): bare when it is a lower-case
 * identifier, double-quoted otherwise. Reserved keywords are quoted too; the double knows
 * only a few of them (*approximate*: pkg/sql/lexbase has the full list).
 */
const RESERVED = new Set(['all', 'database', 'default', 'select', 'table', 'user', 'from', 'where', 'order', 'group', 'primary', 'check', 'grant']);

export function formatName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/**
 * The job description (pkg/backup/restore_planning.go, restoreJobDescription, printed by
 * tree.Restore.Format): the resolved subdirectory with a leading slash, the sanitized
 * URI, AS OF SYSTEM TIME as written, and `WITH OPTIONS (...)` in RestoreOptions.Format's
 * order: detached, new_db_name = '<name>', schema_only, verify_backup_table_data.
 */
export function restoreDescription(statement: RestoreStatement, collection: string, resolvedSubdir: string): string {
  let text = 'RESTORE ';
  if (statement.databases !== undefined) text += `DATABASE ${statement.databases.map(formatName).join(', ')} `;
  text += `FROM ${quote(`/${resolvedSubdir.replace(/^\/+/, '')}`)} IN ${quote(collection)}`;
  if (statement.asOf !== undefined) text += ` AS OF SYSTEM TIME ${quote(statement.asOf)}`;
  const options = [
    ...(statement.detached ? ['detached'] : []),
    ...(statement.newDbName === undefined ? [] : [`new_db_name = ${quote(statement.newDbName)}`]),
    ...(statement.schemaOnly ? ['schema_only'] : []),
    ...(statement.verifyData ? ['verify_backup_table_data'] : []),
  ];
  if (options.length > 0) text += ` WITH OPTIONS (${options.join(', ')})`;
  return text;
}
