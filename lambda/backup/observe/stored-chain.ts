import { BackupFailure } from '../connect/errors';
import { Session } from '../connect/session';
import { sqlString } from '../submit/statement';
import { parseSqlTimestamp } from './timestamp';

/** One layer of a chain: when it ended, and the databases its manifest lists (as of that end). */
export interface ChainLayer {
  readonly end: Date;
  /** `system` left out: what a restore drill may restore. */
  readonly databases: readonly string[];
}

/**
 * The chain of one full backup (LATEST's, or a named one), as storage shows it. Storage is the
 * truth of the collection: it holds every backup, whoever took it (an operator's full backup as
 * root included), while the job table shows a user without VIEWJOB only its own jobs.
 */
export interface StoredChain {
  /** End time of the chain's full backup. */
  readonly fullEnd: Date;
  /** End time of the chain's newest layer (the full backup itself when it has no incrementals). */
  readonly newestEnd: Date;
  /** Incrementals on the full backup. */
  readonly incrementals: number;
  /** End time of every layer, oldest (the full backup) first, to the microsecond SHOW BACKUP prints. */
  readonly layerEnds: readonly Date[];
  /**
   * Every layer, oldest first, with the databases it lists: SHOW BACKUP lists each layer's
   * descriptors as of that layer's end, and RESTORE resolves its targets as of its AS OF
   * SYSTEM TIME (docs/cockroachdb-behaviour.md section 3), so a drill takes its databases from
   * the layers around its point in time, never from the union of the chain.
   */
  readonly layers: readonly ChainLayer[];
}

/** The columns the chain read selects from SHOW BACKUP (pkg/backup/show.go); end_time is TIMESTAMP(TZ). */
export interface ShowBackupRow {
  readonly end_time: Date | string;
  readonly object_name?: string | null;
}

/**
 * The chain from the chain read's rows: one row per database per layer, so each distinct
 * end_time is one layer, the oldest being the full backup. No rows: nothing to restore,
 * treated as no completed full backup.
 */
export function chainFromLayers(rows: readonly ShowBackupRow[]): StoredChain | undefined {
  const byEnd = new Map<number, Set<string>>();
  for (const row of rows) {
    const end = parseSqlTimestamp(row.end_time).getTime();
    const databases = byEnd.get(end) ?? new Set<string>();
    if (typeof row.object_name === 'string' && row.object_name !== 'system') databases.add(row.object_name);
    byEnd.set(end, databases);
  }
  const layers = [...byEnd.entries()].sort(([a], [b]) => a - b).map(([end, databases]): ChainLayer => ({ end: new Date(end), databases: [...databases].sort() }));
  if (layers.length === 0) return undefined;
  return {
    fullEnd: layers[0].end,
    newestEnd: layers[layers.length - 1].end,
    incrementals: layers.length - 1,
    layerEnds: layers.map((layer) => layer.end),
    layers,
  };
}

/** SQLSTATE 58P01 (undefined_file): LATEST cannot be read, the collection holds no completed full backup. */
const NO_LATEST_CODE = '58P01';
const NO_LATEST_PHRASE = 'path does not contain a completed latest backup';

/**
 * The chain read: SHOW BACKUP's rows filtered inside the cluster to the databases' own rows
 * (`object_type = 'database'`), so the Lambda receives one row per database per layer, not one
 * per table per layer (1,000 tables and 48 incrementals were ~50,000 rows on every run; bench/
 * chain-read.ts). SHOW BACKUP is a data source like any statement that returns rows, on every
 * supported version (tree.StatementSource; CockroachDB's own roachtests read `SELECT DISTINCT
 * start_time, end_time FROM [SHOW BACKUP FROM LATEST IN ...]`), under the same privileges as on
 * its own; and a SHOW, so it passes the unsafe-internals gate.
 * `subdirectory` names the chain (`FROM '<subdir>' IN`); undefined: LATEST.
 */
export function buildChainRead(target: string, subdirectory?: string): string {
  const from = subdirectory === undefined ? 'LATEST' : sqlString(subdirectory);
  return `SELECT object_name, end_time FROM [SHOW BACKUP FROM ${from} IN ${sqlString(target)}] WHERE object_type = 'database'`;
}

/**
 * Reads a chain (LATEST's when `subdirectory` is undefined) from storage: the cluster reads
 * each layer's manifest with the URI's credentials; no job privilege needed. Undefined when
 * the collection holds no completed full backup. The session must have pinned the chain view
 * (chain-view.ts), or on 26.2+ a role default could show one layer.
 */
export async function readStoredChain(session: Pick<Session, 'query'>, target: string, subdirectory?: string): Promise<StoredChain | undefined> {
  try {
    const rows = await session.query<ShowBackupRow>(`reading the chain ${subdirectory ?? 'LATEST'} in storage (SHOW BACKUP)`, buildChainRead(target, subdirectory));
    return chainFromLayers(rows);
  } catch (error) {
    if (error instanceof BackupFailure && (error.code === NO_LATEST_CODE || error.message.includes(NO_LATEST_PHRASE))) return undefined;
    throw error;
  }
}
