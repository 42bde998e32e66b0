import { BackupSettings } from '../connect/config';
import { Session } from '../connect/session';
import { pinChainView } from '../observe/chain-view';
import { AccessKey, backupTarget, buildS3Uri, collectionLocation } from '../submit/storage';
import { prepareTarget } from '../submit/target';

/**
 * Which copy of the collection a restore drill read: the primary bucket, or the off-site copy
 * (DRILL_COPY_BUCKET_NAME). Bucket names are not secret: the result, the log lines and the
 * drill state carry it, so that the operator an alarm sends to the logs sees which copy failed
 * (the metrics keep their one dimension, the primary's collection: a new dimension would
 * silently detach the alarms).
 */
export interface DrillLocation {
  readonly source: 'primary' | 'copy';
  readonly bucket: string;
}

export function drillLocation(settings: BackupSettings): DrillLocation {
  return settings.drillCopy === undefined ? { source: 'primary', bucket: settings.bucketName } : { source: 'copy', bucket: settings.drillCopy.bucketName };
}

export function isDrillLocation(value: unknown): value is DrillLocation {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.source === 'primary' || v.source === 'copy') && typeof v.bucket === 'string';
}

/** How a log line names it: `the off-site copy in bucket <b>` / `the primary bucket <b>`. */
export function describeDrillLocation(location: DrillLocation): string {
  return location.source === 'copy' ? `the off-site copy in bucket ${location.bucket}` : `the primary bucket ${location.bucket}`;
}

/** How a drill run's message names the copy it read (`s3://<copy>/<collection>`); undefined for the primary, whose messages name it as before. */
export function offsiteCopyLabel(settings: BackupSettings): string | undefined {
  return settings.drillCopy === undefined ? undefined : `off-site copy ${collectionLocation(settings, settings.drillCopy)}`;
}

/**
 * What a drill's statements name (SHOW BACKUPS, SHOW BACKUP, RESTORE) with this key: the
 * primary's target, or the copy's URI from the same builder (storage.ts) with the same
 * credentials in it (the key, or AUTH=implicit[&ASSUME_ROLE]). Never the external connection
 * for the copy: the connection names the primary.
 */
export function drillTarget(settings: BackupSettings, key: AccessKey | undefined): string {
  return settings.drillCopy === undefined ? backupTarget(settings, key) : buildS3Uri(settings, key, settings.drillCopy);
}

/**
 * drillTarget, with what a session needs before naming it: the chain view pinned always; for
 * the primary in external-connection mode, the connection kept in step with the key
 * (target.ts). A drill of the copy leaves the external connection to the backup runs.
 */
export async function prepareDrillTarget(session: Session, settings: BackupSettings, key: AccessKey | undefined): Promise<string> {
  if (settings.drillCopy === undefined) return prepareTarget(session, settings, key);
  await pinChainView(session);
  return drillTarget(settings, key);
}
