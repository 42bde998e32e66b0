import { Cursor, parseWithOptions } from './cursor';
import { SqlError, SqlState, syntaxError } from './sql-error';

/**
 * `BACKUP INTO '<uri>' [AS OF SYSTEM TIME <expr>] [WITH [OPTIONS] (...)]` (a new full
 * backup) and `BACKUP INTO LATEST IN '<uri>' ...` (an incremental on the newest full),
 * as in pkg/sql/parser/sql.y (backup_stmt). Options may come in any order, with or
 * without OPTIONS and parentheses; each at most once (tree.BackupOptions.CombineWith).
 */
export interface BackupStatement {
  readonly kind: 'full' | 'incremental';
  readonly uri: string;
  /** The AS OF SYSTEM TIME expression as a string value ('-10s', a timestamp), if any. */
  readonly asOf?: string;
  readonly detached: boolean;
  /** undefined when not given; `revision_history` alone means true. */
  readonly revisionHistory?: boolean;
  readonly encryptionPassphrase: boolean;
}

export function parseBackup(cursor: Cursor): BackupStatement {
  cursor.expectWord('BACKUP');
  cursor.expectWord('INTO');
  let kind: BackupStatement['kind'] = 'full';
  if (cursor.acceptWord('LATEST')) {
    cursor.expectWord('IN');
    kind = 'incremental';
  }
  const uri = cursor.stringOrPlaceholder();
  if (cursor.isWord('IN')) {
    // BACKUP INTO '<subdir>' IN '<uri>': appending to a named full backup is not modelled.
    throw new SqlError(SqlState.featureNotSupported, 'the CockroachDB double does not model BACKUP INTO <subdir> IN <collection>');
  }
  let asOf: string | undefined;
  if (cursor.acceptWord('AS', 'OF', 'SYSTEM', 'TIME')) {
    const value = cursor.operand();
    if (value.kind === 'null') throw new SqlError(SqlState.invalidParameterValue, 'AS OF SYSTEM TIME: expected timestamp, got NULL');
    asOf = value.text;
  }
  const options = { detached: undefined as boolean | undefined, revisionHistory: undefined as boolean | undefined, encryptionPassphrase: false };
  parseWithOptions(cursor, (c) => parseOption(c, options));
  cursor.expectEnd();
  return {
    kind,
    uri,
    asOf,
    detached: options.detached === true,
    revisionHistory: options.revisionHistory,
    encryptionPassphrase: options.encryptionPassphrase,
  };
}

function parseOption(cursor: Cursor, options: { detached?: boolean; revisionHistory?: boolean; encryptionPassphrase: boolean }): void {
  const token = cursor.peek();
  const name = token?.kind === 'word' ? cursor.identifier() : undefined;
  const boolValue = (): boolean => {
    if (!cursor.acceptOp('=')) return true;
    const value = cursor.operand();
    if (value.kind === 'null') throw new SqlError(SqlState.invalidParameterValue, `expected bool value for ${name}, got NULL`);
    return /^(t|true|yes|on|1)$/i.test(value.text);
  };
  // Duplicates are parse errors (tree.BackupOptions.CombineWith), reported like syntax errors.
  const duplicate = (message: string): SqlError => new SqlError('42601', message);
  switch (name) {
    case 'detached':
      if (options.detached !== undefined) throw duplicate('detached option specified multiple times');
      options.detached = boolValue();
      return;
    case 'revision_history':
      if (options.revisionHistory !== undefined) throw duplicate('revision_history option specified multiple times');
      options.revisionHistory = boolValue();
      return;
    case 'encryption_passphrase':
      if (options.encryptionPassphrase) throw duplicate('encryption_passphrase specified multiple times');
      cursor.expectOp('=');
      cursor.stringOrPlaceholder();
      options.encryptionPassphrase = true;
      return;
    default:
      throw token === undefined ? syntaxError(undefined) : syntaxError(token.kind === 'string' ? `'${token.text}'` : token.text);
  }
}

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * The job description (pkg/backup/backup_planning.go, backupJobDescription, formatted
 * by tree.Backup.Format in pkg/sql/sem/tree/backup.go): the collection URI sanitized,
 * `AS OF SYSTEM TIME` as written, options as `WITH OPTIONS (revision_history = true,
 * encryption_passphrase = '*****', detached)` in that fixed order.
 * `subdir`: before the job resolved its destination a full shows no subdirectory and
 * an incremental shows 'LATEST'; afterwards both show the full backup's subdirectory.
 * Whether and when the resolved form replaces the first one depends on the version:
 * *unconfirmed*, kept to the single switch SHOW_RESOLVED_SUBDIR in backup-work.ts.
 */
export function backupDescription(statement: BackupStatement, collection: string, subdir: string | undefined): string {
  let text = 'BACKUP INTO ';
  if (subdir !== undefined) text += `${quote(subdir)} IN `;
  text += quote(collection);
  if (statement.asOf !== undefined) text += ` AS OF SYSTEM TIME ${quote(statement.asOf)}`;
  const options: string[] = [];
  if (statement.revisionHistory !== undefined) options.push(`revision_history = ${statement.revisionHistory}`);
  if (statement.encryptionPassphrase) options.push("encryption_passphrase = '*****'");
  if (statement.detached) options.push('detached');
  if (options.length > 0) text += ` WITH OPTIONS (${options.join(', ')})`;
  return text;
}
