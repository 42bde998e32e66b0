import { Annotations, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { NONCURRENT_WITH_RETENTION, ResolvedRetention } from './backup-retention';
import { controlTowerRuleId } from '../nag';
import { checkDurationSeconds, invalid } from '../validation';

/**
 * S3 Object Lock on the new bucket: every object version CockroachDB writes is kept unchanged
 * for the default retention, undeletable by anyone without s3:BypassGovernanceRetention
 * (GOVERNANCE) or by anyone at all (COMPLIANCE). A PutObject on the same key still adds a new
 * current version on top, which is what CockroachDB then reads. BACKUP works in such a bucket:
 * it writes every file once under a new key (data, manifests, a new `LATEST-<time>` file
 * per full backup) and sends Content-MD5 with each upload, which S3 requires here; the
 * checkpoint it deletes at the end only gets a delete marker (test/fidelity/aws/object-lock.test.ts).
 */
export interface BackupObjectLock {
  /**
   * `s3.ObjectLockMode.GOVERNANCE`: principals with `s3:BypassGovernanceRetention` can still
   * delete a version early (with the bypass header), nobody else can; the retention can be
   * shortened the same way. `s3.ObjectLockMode.COMPLIANCE`: nobody can delete a version
   * or shorten its retention before it ends, not even the account's root user; only closing
   * the account removes the data.
   */
  readonly mode: s3.ObjectLockMode;

  /**
   * How long each new object version stays locked, in whole days from 1 to 36500. Choose at
   * least the age of the oldest backup you want to restore from, plus the chain it needs:
   * an incremental is only restorable with its full backup and the layers before it.
   */
  readonly defaultRetention: Duration;
}

/**
 * Options for the bucket `CockroachBackup` creates when no existing bucket is given.
 * Whatever is chosen here, the bucket always blocks all public access, accepts only
 * TLS requests, is encrypted at rest, versioned, owned by the bucket owner (ACLs off)
 * and retained when the stack is deleted: those are not options.
 */
export interface BackupBucketOptions {
  /**
   * A customer managed KMS key for server-side encryption (SSE-KMS, with an S3 Bucket
   * Key to keep KMS requests and cost low). The backup user is then granted
   * `kms:GenerateDataKey` and `kms:Decrypt` on this key, which CockroachDB's nodes need
   * to write and read the backup files. Use it when your policy requires customer
   * managed keys, key usage in CloudTrail or key policies as a second access control.
   * @default S3-managed encryption (SSE-S3)
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * A bucket that receives the S3 server access logs of the backup bucket (who read or
   * wrote which backup file). It must allow the S3 logging service to write to it; a
   * bucket created with aws-cdk-lib in the same stack gets that policy automatically.
   * Server access logs are off by default because most organisations collect them in
   * one central log bucket, and CloudTrail data events are the alternative. Without it,
   * cdk-nag reports AwsSolutions-S1 on the bucket: decide, then set this or acknowledge.
   * @default no server access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;

  /**
   * Key prefix of the server access logs in `serverAccessLogsBucket`.
   * @default no prefix: log objects at the top of the log bucket
   */
  readonly serverAccessLogsPrefix?: string;

  /**
   * How long an object version stays after it was overwritten or deleted. CockroachDB
   * writes each backup file once, so noncurrent versions come from the few files it
   * rewrites (the `LATEST` pointer, progress checkpoints), from people who delete backups by
   * hand, and from anyone who overwrites backup files with the backup key (which may write
   * but not delete): keeping them lets you undo such a change. Current versions never
   * expire: deleting old backups is a retention decision: set `retention` (whole chains
   * expire; never a plain age rule on the full-backup folders, which deletes a chain's full
   * backup while its incrementals are still needed).
   * Incomplete multipart uploads (a backup interrupted mid-file) are always aborted
   * after 7 days.
   * With `retention`, every object the expiry removes becomes a noncurrent version first, so
   * this adds to what is kept (docs/retention.md, the bound).
   * @default Duration.days(90) without `retention`; with `retention`, Duration.days(1) when
   * Object Lock keeps every version for the window (the expiry makes every expired object a
   * noncurrent version, docs/retention.md) and the window's length in days when it does not
   * (so that an overwritten backup outlives the window; docs/security.md)
   */
  readonly noncurrentVersionExpiration?: Duration;

  /**
   * S3 Object Lock with a default retention for every object version written (see
   * `BackupObjectLock`). It protects the backups against deletion and overwriting by anyone
   * who gets hold of a key, an administrator's included, for the retention; it cannot be
   * turned off again for the bucket, and locked versions are billed until their retention
   * ends, whatever the lifecycle rules say. A bucket with Object Lock cannot receive server
   * access logs, but it can send them. CloudFormation turns Object Lock on only by replacing
   * the bucket: on a deployed bucket, read `cdk diff` first (docs/security.md, "Upgrading").
   * @default with `retention`, GOVERNANCE for the retention window (retention + chain span +
   * margin, in days) unless `objectLockFollowsRetention` is false; without it, no Object Lock
   */
  readonly objectLock?: BackupObjectLock;

  /**
   * With `retention` and no `objectLock`: whether the new bucket gets Object Lock in
   * GOVERNANCE mode with the retention window as its default retention, so that nobody
   * without `s3:BypassGovernanceRetention` (the backup key has none) can delete or overwrite a
   * backup the window still needs. Set it to false for a bucket deployed without Object Lock
   * to which you now add `retention`: CloudFormation can only turn Object Lock on by replacing
   * the bucket. Noncurrent versions are then kept for the window instead (see
   * `noncurrentVersionExpiration`).
   * @default true
   */
  readonly objectLockFollowsRetention?: boolean;

  /**
   * A physical name for the bucket.
   * @default a name generated by CloudFormation
   */
  readonly bucketName?: string;
}

/** The warning a new bucket gets when retention turns Object Lock on by default. */
export const OBJECT_LOCK_WITH_RETENTION_WARNING = 'cockroach-backup-cdk:objectLockWithRetention';
export const DEFAULT_NONCURRENT_VERSION_EXPIRATION = Duration.days(90);
const INCOMPLETE_UPLOAD_EXPIRATION = Duration.days(7);

/**
 * The existing bucket, or a new secure one under the id 'Bucket'. Refuses both at once:
 * options would silently not apply to a bucket this construct does not own. With retention,
 * the new bucket's lifecycle configuration gets the collection's rules after its own two.
 * `objectLockProp` names the Object Lock options in errors (the off-site copy's is a prop of its own).
 */
export function backupBucket(
  scope: Construct,
  existing: s3.IBucket | undefined,
  options: BackupBucketOptions | undefined,
  retention?: ResolvedRetention,
  objectLockProp = 'bucketOptions.objectLock',
): s3.IBucket {
  if (existing !== undefined) {
    if (options !== undefined) {
      invalid(
        scope,
        'bucketOptions',
        `set together with bucket (options: ${Object.keys(options).join(', ') || 'none'})`,
        'either an existing bucket or options for a new one, not both: options cannot change a bucket this construct does not create',
      );
    }
    return existing;
  }
  const objectLock = objectLockOf(scope, options, retention, objectLockProp);
  const noncurrent = options?.noncurrentVersionExpiration ?? defaultNoncurrentExpiration(retention, objectLock !== undefined);
  checkDurationSeconds(scope, 'bucketOptions.noncurrentVersionExpiration', noncurrent, Duration.days(1), Duration.days(3650));
  if (!noncurrent.isUnresolved() && !Number.isInteger(noncurrent.toDays({ integral: false }))) {
    invalid(scope, 'bucketOptions.noncurrentVersionExpiration', noncurrent.toHumanString(), 'a whole number of days (S3 lifecycle rules count days)');
  }
  if (options?.serverAccessLogsPrefix !== undefined && options.serverAccessLogsBucket === undefined) {
    invalid(scope, 'bucketOptions.serverAccessLogsPrefix', JSON.stringify(options.serverAccessLogsPrefix), 'to be set only together with serverAccessLogsBucket');
  }
  const key = options?.encryptionKey;
  const bucket = new s3.Bucket(scope, 'Bucket', {
    bucketName: options?.bucketName,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: key === undefined ? s3.BucketEncryption.S3_MANAGED : s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: key === undefined ? undefined : true,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: options?.serverAccessLogsBucket,
    serverAccessLogsPrefix: options?.serverAccessLogsPrefix,
    objectLockEnabled: objectLock !== undefined ? true : undefined,
    objectLockDefaultRetention: objectLock,
    lifecycleRules: [
      { id: 'ExpireNoncurrentVersions', noncurrentVersionExpiration: noncurrent },
      { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: INCOMPLETE_UPLOAD_EXPIRATION },
      ...(retention?.rules ?? []),
    ],
  });
  blockCustomerProvidedKeys(bucket);
  Validations.of(bucket).acknowledge({
    id: controlTowerRuleId('s3_event_notifications_enabled_check'),
    reason:
      'CT.S3.PR.4 (event notifications): nothing in this construct consumes object events. Each backup is verified ' +
      "through CockroachDB's job status and the collection through SHOW BACKUP, and alarms come from the Lambda's " +
      'metrics. S3 does not charge for EventBridge delivery: turn it on with ' +
      '(backup.bucket as s3.Bucket).enableEventBridgeNotification() to alert on deletions in the collection.',
  });
  return bucket;
}

/**
 * Refuses uploads encrypted with a customer-provided key (SSE-C), twice: an attacker with the
 * backup key could otherwise overwrite backups with versions only they can decrypt, so that the
 * current version of every file is unreadable to CockroachDB and to us. The bucket's
 * BlockedEncryptionTypes setting refuses them in S3 itself (also for CopyObject, POST and
 * replication); the bucket policy statement refuses them by policy, where an IAM policy evaluator
 * (test/lib/policy/security-simulation.test.ts) can check it. Both change the bucket in place.
 */
function blockCustomerProvidedKeys(bucket: s3.Bucket): void {
  const cfn = bucket.node.defaultChild as s3.CfnBucket;
  cfn.addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.BlockedEncryptionTypes', { EncryptionType: ['SSE-C'] });
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyCustomerProvidedKeys',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
    }),
  );
}

/**
 * The new bucket's Object Lock: the one given, or with retention (unless turned off) GOVERNANCE
 * for the whole retention window, `expirationDays`: every version the window needs stays
 * undeletable by anyone without s3:BypassGovernanceRetention until the lifecycle expiry would
 * remove it anyway, so the lock costs no storage beyond the window. GOVERNANCE, not COMPLIANCE,
 * as the default: an administrator can still correct a wrong window (COMPLIANCE is one prop away
 * for those who want nobody to); the backup key, the Lambdas and restore readers cannot bypass it.
 */
function objectLockOf(scope: Construct, options: BackupBucketOptions | undefined, retention: ResolvedRetention | undefined, prop: string): s3.ObjectLockRetention | undefined {
  if (options?.objectLock !== undefined) {
    if (options.objectLockFollowsRetention !== undefined) {
      invalid(scope, 'bucketOptions.objectLockFollowsRetention', String(options.objectLockFollowsRetention), 'to be left unset together with objectLock, which already decides the lock');
    }
    return objectLockRetention(scope, options.objectLock, prop);
  }
  if (retention === undefined || options?.objectLockFollowsRetention === false) return undefined;
  if (options?.objectLockFollowsRetention === undefined) {
    Annotations.of(scope).addWarningV2(
      OBJECT_LOCK_WITH_RETENTION_WARNING,
      `Object Lock (GOVERNANCE, ${retention.window.expirationDays} days: the retention window) is on for the new bucket, so the backup ` +
        'key cannot delete or change the versions the window needs (an overwrite only adds a new version on top). If this bucket was deployed without Object Lock, CloudFormation ' +
        'can turn it on only by replacing the bucket (cdk diff shows [-] replace on the bucket): then set ' +
        'bucketOptions.objectLockFollowsRetention to false and turn Object Lock on in place (docs/security.md, "Upgrading"). ' +
        'Set objectLockFollowsRetention to true, or acknowledge this warning, for a new bucket.',
    );
  }
  return s3.ObjectLockRetention.governance(Duration.days(retention.window.expirationDays));
}

/**
 * Without retention, 90 days to undo a deletion. With retention and Object Lock, a day: locked
 * versions stay for the window anyway and expired ones should go. With retention and no lock, the
 * window: an overwrite by the backup key must not remove a version earlier than the expiry would.
 */
function defaultNoncurrentExpiration(retention: ResolvedRetention | undefined, locked: boolean): Duration {
  if (retention === undefined) return DEFAULT_NONCURRENT_VERSION_EXPIRATION;
  return locked ? NONCURRENT_WITH_RETENTION : Duration.days(retention.window.expirationDays);
}

/** S3 accepts a default retention of 1 to 36500 days (or years, which this construct does not use). */
const MAX_RETENTION = Duration.days(36500);

/** Validates the Object Lock options and returns the bucket's default retention. */
function objectLockRetention(scope: Construct, lock: BackupObjectLock, prop: string): s3.ObjectLockRetention {
  if (lock.mode !== s3.ObjectLockMode.GOVERNANCE && lock.mode !== s3.ObjectLockMode.COMPLIANCE) {
    invalid(scope, `${prop}.mode`, JSON.stringify(lock.mode), 's3.ObjectLockMode.GOVERNANCE or s3.ObjectLockMode.COMPLIANCE');
  }
  const retention = lock.defaultRetention;
  checkDurationSeconds(scope, `${prop}.defaultRetention`, retention, Duration.days(1), MAX_RETENTION);
  if (!retention.isUnresolved() && !Number.isInteger(retention.toDays({ integral: false }))) {
    invalid(scope, `${prop}.defaultRetention`, retention.toHumanString(), 'a whole number of days (S3 retention counts days)');
  }
  return lock.mode === s3.ObjectLockMode.GOVERNANCE ? s3.ObjectLockRetention.governance(retention) : s3.ObjectLockRetention.compliance(retention);
}
