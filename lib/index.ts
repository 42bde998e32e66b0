/**
 * The public API of the package: the construct, its props and option types, and the
 * parts of the construct/Lambda contract users need (event payloads, metric names).
 */
export { CockroachBackup, DEFAULTS as COCKROACH_BACKUP_DEFAULTS, MAX_SUPPORTED_INCREMENTALS } from './cockroach-backup';
export type { CockroachBackupProps } from './cockroach-backup';
export type { BackupBucketOptions, BackupObjectLock } from './backup-bucket';
export { BackupRetention } from './backup-retention';
export { BackupKeyProtection } from './key-protection';
export { BackupKeySource } from './backup-key-source';
export type { RetentionRuleOptions, RetentionTransition } from './backup-retention';
export { AccessKeyRotation, ROTATION_DEFAULTS as ACCESS_KEY_ROTATION_DEFAULTS } from './access-key-rotation';
export { StorageCredentials } from './storage-credentials';
export type { CloudIdentityRoleOptions, ImplicitCredentialsOptions } from './storage-credentials';
export type { RestoreDrillOptions } from './restore-drill';
export { CONNECTION_SECRET_TEMPLATE } from './connection-secret';
export { BackupMonitoring } from './monitoring';
export type { BackupMonitoringProps, FollowAlarms, FollowAlarmSettings, RotationAlarms } from './monitoring';
export { BACKUP_KINDS, RUN_KINDS, VERIFICATION_KINDS } from '../contract/backup-event';
export type { BackupEvent, BackupKind, RunKind, VerificationKind } from '../contract/backup-event';
export type { StorageMode } from '../contract/environment';
export { COLLECTION_DIMENSION, DEFAULT_METRICS_NAMESPACE, METRICS, collectionDimensionValue } from '../contract/metrics';
export type { MetricKey } from '../contract/metrics';
