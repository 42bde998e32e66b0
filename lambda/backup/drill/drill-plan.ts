import { StoredChain } from '../observe/stored-chain';

/** Every database a drill restores is named so: recognizable, and swept by later drills if left over. */
export const DRILL_DATABASE_PREFIX = 'crdb_backup_drill_';

/**
 * Where a drill restores a chain to, and the databases that exist there.
 * - `asOf`: the AS OF SYSTEM TIME to send; undefined: the chain's newest layer, restored
 *   without one, so at its exact end.
 * - `at`: that time as the drill reports it (SHOW BACKUP's microseconds).
 * - `databases`: the databases RESTORE can resolve at that time, `system` left out.
 */
export interface DrillPoint {
  readonly asOf?: Date;
  readonly at: Date;
  readonly databases: readonly string[];
}

/**
 * The point in time a drill restores, inside the chain, so that a chain that cannot serve a
 * point-in-time restore is found before an incident is:
 * - with revision history and incrementals: the midpoint between the full backup's end and
 *   the newest layer's end (any time in that window is restorable; docs "Take Backups with
 *   Revision History and Restore from a Point-in-time");
 * - otherwise (no revision history, or a full backup alone): the newest layer's end, named by
 *   leaving AS OF SYSTEM TIME out. Without revision history RESTORE wants a layer's end
 *   exactly (ValidateEndTimeAndTruncate in pkg/backup/backupinfo: `endTime.Equal(b.EndTime)`),
 *   an HLC time in nanoseconds with a logical part, while SHOW BACKUP prints microseconds: a
 *   time read there never matches, and the refusal names the wall time but not the logical
 *   part. The newest end is the one end a client can name exactly (by omission), and
 *   restoring to it reads every layer of the chain.
 * The databases: SHOW BACKUP lists each layer's databases as of its end, RESTORE resolves its
 * targets at its AS OF time. At the newest end, the newest layer's; at a midpoint, those in
 * both the layer that covers it and the one before, which existed at both ends: a database
 * created or dropped in between is left to a later drill instead of failing this one.
 */
export function drillPoint(chain: Pick<StoredChain, 'layers'>, revisionHistory: boolean): DrillPoint {
  const layers = chain.layers;
  if (layers.length === 0) throw new Error('a chain has at least its full backup');
  const newest = layers[layers.length - 1];
  if (!revisionHistory || layers.length === 1) return { at: newest.end, databases: newest.databases };
  const first = layers[0].end.getTime();
  return drillPointAt(chain, new Date(first + Math.floor((newest.end.getTime() - first) / 2)));
}

/**
 * A point-in-time drill as of `at` (a chain with revision history): the databases in both the
 * layer that covers `at` and the one before, which existed at both ends (a point before the full
 * backup's end has only the full backup's).
 */
export function drillPointAt(chain: Pick<StoredChain, 'layers'>, at: Date): DrillPoint {
  const layers = chain.layers;
  const index = layers.findIndex((layer) => layer.end.getTime() >= at.getTime());
  const covering = index < 0 ? layers.length - 1 : index;
  if (covering === 0) return { asOf: at, at, databases: layers[0].databases };
  const before = new Set(layers[covering - 1].databases);
  return { asOf: at, at, databases: layers[covering].databases.filter((database) => before.has(database)) };
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
 * The databases to restore: DRILL_DATABASES when set (each must exist at the drill's point),
 * else every database there but `system` (which stored-chain.ts leaves out) and drill
 * databases a backup caught while a drill ran.
 */
export function drillDatabases(point: Pick<DrillPoint, 'databases'>, wanted: readonly string[]): { databases: string[]; absent: string[] } {
  if (wanted.length === 0) return { databases: point.databases.filter((d) => !isDrillDatabase(d)), absent: [] };
  return { databases: wanted.filter((d) => point.databases.includes(d)), absent: wanted.filter((d) => !point.databases.includes(d)) };
}

/** Whether a database was created by a drill (and may be dropped by one). */
export function isDrillDatabase(name: string): boolean {
  return name.startsWith(DRILL_DATABASE_PREFIX);
}
