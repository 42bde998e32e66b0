/**
 * The public API of the package: the construct, its props and option types, and the
 * parts of the construct/Lambda contract users need (event payloads, metric names).
 */
export { CockroachBackup, DEFAULTS as COCKROACH_BACKUP_DEFAULTS, MAX_SUPPORTED_INCREMENTALS } from './cockroach-backup';
export type { CockroachBackupProps } from './cockroach-backup';
export type { BackupBucketOptions, BackupObjectLock } from './storage/backup-bucket';
export { BackupRetention } from './storage/backup-retention';
export { BackupKeyProtection } from './keys/key-protection';
export { BackupKeySource } from './keys/backup-key-source';
export type { RetentionRuleOptions, RetentionTransition } from './storage/backup-retention';
export { AccessKeyRotation, ROTATION_DEFAULTS as ACCESS_KEY_ROTATION_DEFAULTS } from './credentials/access-key-rotation';
export { StorageCredentials } from './credentials/storage-credentials';
export type { CloudIdentityRoleOptions, ImplicitCredentialsOptions } from './credentials/storage-credentials';
export type { RestoreDrillOptions } from './functions/restore-drill';
export { CONNECTION_SECRET_TEMPLATE } from './credentials/connection-secret';
export type { ConnectionPasswordRotation } from './credentials/password-rotation';
export { BackupMonitoring } from './monitoring/monitoring';
export type { BackupMonitoringProps, FollowAlarms, FollowAlarmSettings, RotationAlarms } from './monitoring/monitoring';
export { BACKUP_KINDS, RUN_KINDS, VERIFICATION_KINDS } from '../contract/backup-event';
export type { BackupEvent, BackupKind, RunKind, VerificationKind } from '../contract/backup-event';
export type { StorageMode } from '../contract/environment';
export { COLLECTION_DIMENSION, DEFAULT_METRICS_NAMESPACE, METRICS, collectionDimensionValue } from '../contract/metrics';
export type { MetricKey } from '../contract/metrics';
export { BackupCopyDestination } from './offsite/backup-copy-destination';
export type { BackupCopyDestinationProps } from './offsite/backup-copy-destination';
export type { OffsiteCopyLink, OffsiteCopyOptions } from './offsite/offsite-link';
