/**
 * The one definition of the metrics the Lambda emits (as CloudWatch embedded
 * metric format) and the construct alarms on. Both sides import this file.
 */
export const DEFAULT_METRICS_NAMESPACE = 'CockroachBackup';

/** Every metric carries exactly this one dimension. */
export const COLLECTION_DIMENSION = 'Collection';

export const METRICS = {
  /** A backup job was submitted (count). */
  submitted: { name: 'BackupSubmitted', unit: 'Count' },
  /** A backup job reached `succeeded` (count). */
  succeeded: { name: 'BackupSucceeded', unit: 'Count' },
  /** A backup job reached `failed`, `canceled` or `revert-failed`, or a run failed before submitting (count). */
  failed: { name: 'BackupFailed', unit: 'Count' },
  /** A run took no backup because one was still running (count). */
  skipped: { name: 'BackupSkipped', unit: 'Count' },
  /**
   * Age of the newest backup in the collection at the end of the run: now minus the end time
   * of the newest layer in storage (or of the run's own backup), whoever took it (seconds).
   */
  newestBackupAge: { name: 'NewestBackupAgeSeconds', unit: 'Seconds' },
  /** Duration of a backup job that ended, from created to finished (seconds). */
  duration: { name: 'BackupDurationSeconds', unit: 'Seconds' },
  /** Number of incrementals on the full backup LATEST points at, as storage shows them (count). */
  chainLength: { name: 'ChainLength', unit: 'Count' },
  /** A file check (`SHOW BACKUP ... WITH check_files`) that finished, passed or not (count, 1 per check). */
  filesChecked: { name: 'FilesChecked', unit: 'Count' },
  /** Files a finished check reported missing (count; CockroachDB names at most ten per check; 0 when it passed). */
  filesMissing: { name: 'FilesMissing', unit: 'Count' },
  /** A file check that did not finish within its time budget or could not run: not checked, never passed (count). */
  filesNotChecked: { name: 'FilesNotChecked', unit: 'Count' },
  /** A restore drill job reached `succeeded` (count). */
  drillSucceeded: { name: 'DrillSucceeded', unit: 'Count' },
  /** A restore drill failed: its job failed, or it could not be submitted (count). */
  drillFailed: { name: 'DrillFailed', unit: 'Count' },
  /** Dropping what a drill restored failed; the drill's databases are left in the cluster (count). */
  drillCleanupFailed: { name: 'DrillCleanupFailed', unit: 'Count' },
  /** Age of the newest successful restore drill (seconds), emitted by every run when drills are on. */
  newestDrillAge: { name: 'NewestDrillAgeSeconds', unit: 'Seconds' },
  /** Fraction completed (0 to 1) of a followed backup job still running, one sample per job per look (none). */
  fractionCompleted: { name: 'BackupFractionCompleted', unit: 'None' },
  /** A followed backup job still running whose fraction completed has not moved for HANG_AFTER_SECONDS (count, per look). */
  hung: { name: 'BackupHung', unit: 'Count' },
  /**
   * Age of the oldest restorable point storage shows: now minus the end of the oldest full
   * backup `SHOW BACKUPS IN` lists (its chain starts there), emitted by every backup run with
   * retention on (seconds).
   */
  oldestRestorableAge: { name: 'OldestRestorableAgeSeconds', unit: 'Seconds' },
  /**
   * How much shorter the restorable window is than promised: the promise (retention, or the time
   * since it was made when that is shorter) minus OldestRestorableAgeSeconds, 0 when it holds (seconds).
   */
  retentionShortfall: { name: 'RetentionShortfallSeconds', unit: 'Seconds' },
  /** A backup job failed because S3 rejected the access key and was retried once with a freshly read key (count). */
  retriedWithFreshKey: { name: 'RetriedWithFreshKey', unit: 'Count' },
  /** The rotation function made a new access key current (count). */
  rotationSucceeded: { name: 'RotationSucceeded', unit: 'Count' },
  /** A rotation step failed; the previous key stays current (count). */
  rotationFailed: { name: 'RotationFailed', unit: 'Count' },
  /** The rotation function deactivated or deleted a previous access key after its grace period (count). */
  previousKeyRetired: { name: 'PreviousKeyRetired', unit: 'Count' },
} as const;

export type MetricKey = keyof typeof METRICS;

/**
 * The `event` field of the log line the Lambda writes for each backup job whose end (or
 * pause) a run tells, and for each hung job: the dashboard's job table queries them.
 */
export const LOG_EVENTS = { jobEnded: 'backup job ended', jobHung: 'backup job hung' } as const;

/** The dimension value that identifies one collection: `<bucket>/<collection prefix>`. */
export function collectionDimensionValue(bucketName: string, collection: string): string {
  return `${bucketName}/${collection}`;
}
