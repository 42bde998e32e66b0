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
   * The point in time. Any time inside the chain when it has revision history; without it,
   * only a layer's exact end time (an HlcTimestamp: a Date has milliseconds only). Undefined:
   * the newest layer's end.
   */
  readonly asOf?: Date | HlcTimestamp;
  /** new_db_name: restore the database under this name (only with `database`). */
  readonly newDatabaseName?: string;
  readonly mode: RestoreMode;
  /** WITH DETACHED: return the job id at once. */
  readonly detached: boolean;
}

/**
 * A timestamp to the nanosecond, as a layer's end is (an HLC wall time), e.g. from
 * CockroachDB's "nearest BACKUP times are ..." (drill-plan.ts). Written as the decimal
 * `<wall nanoseconds>.0000000000`, the HLC form AS OF SYSTEM TIME accepts (docs "AS OF
 * SYSTEM TIME", decimal; DatumToHLC reads a string as a decimal first: *unconfirmed* for
 * a quoted one on every version).
 */
export interface HlcTimestamp {
  readonly wallNanos: bigint;
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
  const asOf = options.asOf === undefined ? '' : ` AS OF SYSTEM TIME ${sqlString(options.asOf instanceof Date ? sqlTimestamp(options.asOf) : `${options.asOf.wallNanos}.0000000000`)}`;
  const withOptions = [
    ...(options.mode === 'restore' ? [] : ['schema_only']),
    ...(options.mode === 'verify-data' ? ['verify_backup_table_data'] : []),
    ...(options.newDatabaseName === undefined ? [] : [`new_db_name = ${sqlString(options.newDatabaseName)}`]),
    ...(options.detached ? ['DETACHED'] : []),
  ];
  return `${what} FROM ${from} IN ${sqlString(options.source)}${asOf}${withOptions.length === 0 ? '' : ` WITH ${withOptions.join(', ')}`}`;
}
