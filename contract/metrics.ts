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
} as const;

export type MetricKey = keyof typeof METRICS;

/** The dimension value that identifies one collection: `<bucket>/<collection prefix>`. */
export function collectionDimensionValue(bucketName: string, collection: string): string {
  return `${bucketName}/${collection}`;
}
