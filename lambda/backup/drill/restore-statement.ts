import { sqlString } from '../submit/statement';

/** A SQL identifier: double quotes doubled, always quoted (database names may be any case or word). */
export function sqlIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * How much a RESTORE does (docs "Backup Validation", v23.1 onwards):
 * - `restore`: a real restore;
 * - `schema-only`: `WITH schema_only`, the schema without rows;
 * - `verify-data`: `WITH schema_only, verify_backup_table_data`: also reads every row from
 *   storage, verifies checksums and discards the rows (needs schema_only).
 */
export type RestoreMode = 'restore' | 'schema-only' | 'verify-data';

export interface RestoreStatementOptions {
  /** One database to restore; undefined: the whole cluster (which needs an empty cluster). */
  readonly database?: string;
  /** The collection URI or `external://<name>`. */
  readonly source: string;
  /** The full backup's subdirectory (e.g. `/2026/11/29-235950.00`); undefined: LATEST. */
  readonly subdirectory?: string;
  /**
   * The point in time, any time inside the chain when it has revision history. Undefined:
   * the newest layer's exact end (without revision history the only end a client can name:
   * drill-plan.ts, drillPoint).
   */
  readonly asOf?: Date;
  /** new_db_name: restore the database under this name (only with `database`). */
  readonly newDatabaseName?: string;
  readonly mode: RestoreMode;
  /** WITH DETACHED: return the job id at once. */
  readonly detached: boolean;
}

/** `2026-11-30 12:00:00.123000+00:00`: a TIMESTAMPTZ literal AS OF SYSTEM TIME accepts on every version. */
export function sqlTimestamp(at: Date): string {
  return `${at.toISOString().replace('T', ' ').replace('Z', '')}000+00:00`;
}

/**
 *   RESTORE [DATABASE <db>] FROM LATEST|'<subdir>' IN '<source>' [AS OF SYSTEM TIME '<ts>']
 *     [WITH schema_only[, verify_backup_table_data][, new_db_name = '<name>'][, DETACHED]]
 * The one builder for the drill and the restore helper, so that what a drill proves
 * restorable is what the helper prints.
 */
export function buildRestoreStatement(options: RestoreStatementOptions): string {
  if (options.newDatabaseName !== undefined && options.database === undefined) {
    throw new Error('new_db_name needs one database to restore, not the whole cluster');
  }
  const what = options.database === undefined ? 'RESTORE' : `RESTORE DATABASE ${sqlIdentifier(options.database)}`;
  const from = options.subdirectory === undefined ? 'LATEST' : sqlString(options.subdirectory);
  const asOf = options.asOf === undefined ? '' : ` AS OF SYSTEM TIME ${sqlString(sqlTimestamp(options.asOf))}`;
  const withOptions = [
    ...(options.mode === 'restore' ? [] : ['schema_only']),
    ...(options.mode === 'verify-data' ? ['verify_backup_table_data'] : []),
    ...(options.newDatabaseName === undefined ? [] : [`new_db_name = ${sqlString(options.newDatabaseName)}`]),
    ...(options.detached ? ['DETACHED'] : []),
  ];
  return `${what} FROM ${from} IN ${sqlString(options.source)}${asOf}${withOptions.length === 0 ? '' : ` WITH ${withOptions.join(', ')}`}`;
}
