import { BackupFailure } from '../connect/errors';
import { Session } from '../connect/session';
import { sqlString } from '../submit/statement';
import { parseSqlTimestamp } from './timestamp';

/**
 * The chain that LATEST points at, as storage shows it. Storage is the truth of the
 * collection: it holds every backup, whoever took it (an operator's full backup as root
 * included), while the job table shows a user without VIEWJOB only its own jobs.
 */
export interface StoredChain {
  /** End time of the chain's full backup. */
  readonly fullEnd: Date;
  /** End time of the chain's newest layer (the full backup itself when it has no incrementals). */
  readonly newestEnd: Date;
  /** Incrementals on the full backup. */
  readonly incrementals: number;
  /** End time of every layer, oldest (the full backup) first: the times a restore without revision history can reach. */
  readonly layerEnds: readonly Date[];
  /**
   * The databases in the chain, `system` left out: what a restore drill restores. A
   * database's own row has object_type 'database', its name in object_name and a NULL
   * database_name (docs show-backup.md, the example output).
   */
  readonly databases: readonly string[];
}

/** The SHOW BACKUP columns read (pkg/backup/show.go); times are TIMESTAMP on every version. */
export interface ShowBackupRow {
  readonly backup_type: string;
  readonly end_time: Date | string;
  readonly object_name?: string | null;
  readonly object_type?: string | null;
}

/**
 * The chain from SHOW BACKUP's rows: one row per object per layer, so each distinct
 * end_time is one layer, the oldest being the full backup. No rows: nothing to restore,
 * treated as no completed full backup.
 */
export function chainFromLayers(rows: readonly ShowBackupRow[]): StoredChain | undefined {
  const ends = [...new Set(rows.map((row) => parseSqlTimestamp(row.end_time).getTime()))].sort((a, b) => a - b);
  if (ends.length === 0) return undefined;
  const databases = rows.filter((row) => row.object_type === 'database' && typeof row.object_name === 'string' && row.object_name !== 'system');
  return {
    fullEnd: new Date(ends[0]),
    newestEnd: new Date(ends[ends.length - 1]),
    incrementals: ends.length - 1,
    layerEnds: ends.map((end) => new Date(end)),
    databases: [...new Set(databases.map((row) => row.object_name as string))].sort(),
  };
}

/** SQLSTATE 58P01 (undefined_file): LATEST cannot be read, the collection holds no completed full backup. */
const NO_LATEST_CODE = '58P01';
const NO_LATEST_PHRASE = 'path does not contain a completed latest backup';

/**
 * Reads the chain with `SHOW BACKUP FROM LATEST IN '<target>'` (or of a named full backup's
 * subdirectory, `FROM '<subdir>'`): storage reads (each
 * layer's manifest) done by the cluster with the URI's credentials; a SHOW statement, so
 * it passes the internals gate, and it needs no job privilege. Undefined when the
 * collection holds no completed full backup.
 */
export async function readStoredChain(session: Session, target: string, subdirectory?: string): Promise<StoredChain | undefined> {
  const from = subdirectory === undefined ? 'LATEST' : sqlString(subdirectory);
  try {
    const rows = await session.query<ShowBackupRow>('reading the collection in storage (SHOW BACKUP)', `SHOW BACKUP FROM ${from} IN ${sqlString(target)}`);
    return chainFromLayers(rows);
  } catch (error) {
    if (error instanceof BackupFailure && (error.code === NO_LATEST_CODE || error.message.includes(NO_LATEST_PHRASE))) return undefined;
    throw error;
  }
}
