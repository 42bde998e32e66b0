import { HlcTimestamp } from './restore-statement';
import { StoredChain } from '../observe/stored-chain';

/** Every database a drill restores is named so: recognizable, and swept by later drills if left over. */
export const DRILL_DATABASE_PREFIX = 'crdb_backup_drill_';

/**
 * The point in time a drill restores, inside the chain, so that a chain that cannot serve a
 * point-in-time restore is found before an incident is:
 * - with revision history: the midpoint between the full backup's end and the newest
 *   layer's end (any time in that window is restorable; docs "Take Backups with Revision
 *   History and Restore from a Point-in-time");
 * - without: the end time of the middle layer (index length / 2, the newer of two middles),
 *   the only times such a chain can restore to;
 * - a chain of a full backup alone: its end time either way.
 * Without revision history RESTORE wants the layer's end exactly (ValidateEndTimeAndTruncate
 * in pkg/backup/backupinfo: `endTime.Equal(b.EndTime)`), an HLC time in nanoseconds, while
 * SHOW BACKUP prints microseconds: the refusal names the exact time, and exactLayerEnd reads it.
 */
export function drillPointInTime(chain: Pick<StoredChain, 'layerEnds'>, revisionHistory: boolean): Date {
  const ends = chain.layerEnds;
  if (ends.length === 0) throw new Error('a chain has at least its full backup');
  const first = ends[0].getTime();
  const last = ends[ends.length - 1].getTime();
  if (revisionHistory) return new Date(first + Math.floor((last - first) / 2));
  return ends[Math.floor(ends.length / 2)];
}

/** `20261130t133005`: the run's tag in drill database names (UTC, to the second). */
export function drillRunTag(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase();
}

/** The database's name reduced to lower-case letters, digits and underscores, at most 24 characters. */
function nameStem(database: string): string {
  const stem = database.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 24);
  return stem === '' ? 'db' : stem;
}

/**
 * `crdb_backup_drill_<database>_<run tag>`, a plain identifier that cannot be a user's
 * database: it is checked against the names in use (SHOW DATABASES, and the names this run
 * already chose), with `_2`, `_3`... appended when taken.
 */
export function drillDatabaseName(database: string, runTag: string, taken: ReadonlySet<string>): string {
  const base = `${DRILL_DATABASE_PREFIX}${nameStem(database)}_${runTag}`;
  let name = base;
  for (let n = 2; taken.has(name); n += 1) name = `${base}_${n}`;
  return name;
}

/**
 * The databases to restore: DRILL_DATABASES when set (each must be in the backup), else
 * every database of the chain but `system` (which stored-chain.ts leaves out) and drill
 * databases a backup caught while a drill ran.
 */
export function drillDatabases(chain: Pick<StoredChain, 'databases'>, wanted: readonly string[]): { databases: string[]; absent: string[] } {
  if (wanted.length === 0) return { databases: chain.databases.filter((d) => !isDrillDatabase(d)), absent: [] };
  return { databases: wanted.filter((d) => chain.databases.includes(d)), absent: wanted.filter((d) => !chain.databases.includes(d)) };
}

/** Whether a database was created by a drill (and may be dropped by one). */
export function isDrillDatabase(name: string): boolean {
  return name.startsWith(DRILL_DATABASE_PREFIX);
}

// Go's time.Time.String() of a UTC time: `2022-05-24 15:37:08.437249624 +0000 UTC`.
const GO_UTC_TIME = /(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))? \+0000 UTC/g;

/**
 * The exact end of the layer a restore without revision history missed by a fraction of a
 * microsecond: RESTORE refuses with "invalid RESTORE timestamp: restoring to arbitrary time
 * requires that BACKUP for requested time be created with 'revision_history' option. nearest
 * backup time is <t>" (the full backup) or "... nearest BACKUP times are <previous> or <t>",
 * where <t> is the end of the layer that covers the requested time, to the nanosecond
 * (ValidateEndTimeAndTruncate, pkg/backup/backupinfo). Undefined for any other message.
 */
export function exactLayerEnd(message: string): HlcTimestamp | undefined {
  if (!message.includes('restoring to arbitrary time requires')) return undefined;
  const times = [...message.matchAll(GO_UTC_TIME)];
  const last = times[times.length - 1];
  if (last === undefined) return undefined;
  const [, year, month, day, hour, minute, second, fraction] = last;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  return { wallNanos: BigInt(ms) * 1_000_000n + BigInt((fraction ?? '').padEnd(9, '0')) };
}
