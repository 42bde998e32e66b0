import { StoredChain } from './stored-chain';

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
 * *Unconfirmed*: SHOW BACKUP prints end times in microseconds while a layer's end is an HLC
 * timestamp in nanoseconds; RESTORE of a layer without revision history wants its exact end.
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
