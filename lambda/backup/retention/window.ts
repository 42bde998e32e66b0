/**
 * The restorable window as storage shows it, and how far it falls short of the promise. Pure.
 *
 * A restore can start at the oldest full backup `SHOW BACKUPS IN` lists: CockroachDB lists a
 * full backup only when its BACKUP_MANIFEST is there (ListFullBackupsInCollection in
 * pkg/backup/backupdest/backup_destination.go matches the manifest's path), and a chain serves
 * every point from its full backup's end to its newest layer's end (with revision history, a
 * little before the full's end too, which this leaves out). The full backup's subdirectory is
 * named from its end time in UTC (chainNameTime in observe/chain-names.ts), so the listing
 * alone gives the time: no further round trip. What the listing cannot show,
 * a data file missing from that chain, is what a drill of the oldest point finds.
 */

export interface WindowInputs {
  readonly now: Date;
  /** The end times of the full backups storage lists. */
  readonly fullBackupEnds: readonly Date[];
  /** The promise (RETENTION_SECONDS). */
  readonly retentionSeconds: number;
  /** When the promise began (the RETENTION_PARAMETER's last change); undefined when unknown. */
  readonly promisedSince?: Date;
  /** Time between two runs: a new collection's first full backup comes at the first run after the promise began. */
  readonly runIntervalSeconds: number;
}

export interface RetentionWindowValues {
  /** Now minus the oldest full backup's end; undefined when storage lists none. */
  readonly oldestRestorableAgeSeconds?: number;
  /** The promised window minus the window storage shows, 0 when it holds. */
  readonly retentionShortfallSeconds: number;
}

/**
 * What the window holds. The promise covers `retentionSeconds`, or, for a promise made more
 * recently, the time since it began less two run intervals (the first backups of a new
 * collection come at the first runs): a collection younger than the promise falls short of
 * nothing. Without the start of the promise the full retention is promised.
 */
export function retentionWindowValues(inputs: WindowInputs): RetentionWindowValues {
  const now = inputs.now.getTime();
  const oldest = inputs.fullBackupEnds.reduce((min, end) => Math.min(min, end.getTime()), Number.POSITIVE_INFINITY);
  const oldestAge = Number.isFinite(oldest) ? Math.max(0, Math.floor((now - oldest) / 1000)) : undefined;
  const sincePromise = inputs.promisedSince === undefined ? Number.POSITIVE_INFINITY : (now - inputs.promisedSince.getTime()) / 1000 - 2 * inputs.runIntervalSeconds;
  const promised = Math.max(0, Math.min(inputs.retentionSeconds, sincePromise));
  return { oldestRestorableAgeSeconds: oldestAge, retentionShortfallSeconds: Math.max(0, Math.ceil(promised - (oldestAge ?? 0))) };
}
