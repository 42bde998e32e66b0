import { Duration, TimeZone, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BackupEnvironment, ENV, StorageMode } from '../contract/environment';
import { collectionDimensionValue, DEFAULT_METRICS_NAMESPACE, MetricKey } from '../contract/metrics';
import { AccessKeyRotation, accessKeyRotation, checkRotationSettings, ROTATION_DEFAULTS } from './credentials/access-key-rotation';
import { backupBucket, BackupBucketOptions } from './storage/backup-bucket';
import { resolveRetention, RetentionTransition } from './storage/backup-retention';
import { retentionPromiseParameter, retentionWindowAlarm } from './monitoring/retention-monitoring';
import { claimCollection } from './storage/collection-overlap';
import { backupCredentials, collectionWritePolicy } from './credentials/backup-credentials';
import { StorageCredentials } from './credentials/storage-credentials';
import { backupFunction, FunctionPlacement } from './functions/backup-function';
import { functionRuntime } from './functions/function-runtime';
import { backupSchedules, resolveSchedules, scheduleInterval } from './functions/backup-schedules';
import { connectionSecret } from './credentials/connection-secret';
import { checkPasswordRotation, ConnectionPasswordRotation, connectionPasswordRotation } from './credentials/password-rotation';
import { grantCollectionRead } from './storage/restore-access';
import { allowLogGroupEncryption, allowSecretsKeyUsers } from './keys/key-policies';
import { BackupKeyProtection } from './keys/key-protection';
import { BackupKeySource } from './keys/backup-key-source';
import { BackupMonitoring } from './monitoring/monitoring';
import { checkCollection, checkDurationSeconds, checkInteger, describeDuration, invalid, checkMetricsNamespace } from './validation';
import { resolveFileCheckTimeout } from './functions/file-check';
import { drillStateParameter, resolveRestoreDrill, RestoreDrillOptions, scheduleRestoreDrills } from './functions/restore-drill';
import { followFunction, followStateParameter, resolveJobFollowing, scheduleFollowChecks } from './functions/job-following';
import { verificationAlarms } from './monitoring/verification-alarms';
import { replicationAlarms } from './monitoring/replication-alarms';
import { OFFSITE_RULE_ID, offsiteCopySource } from './offsite/offsite-replication';
import { OffsiteCopyOptions } from './offsite/offsite-link';

/** Cockroach Labs supports at most 48 incrementals on one full backup (docs: "Take Full and Incremental Backups"). */
export const MAX_SUPPORTED_INCREMENTALS = 48;

/** Defaults of the optional props, in one place for the docs and the tests. */
export const DEFAULTS = {
  asOfSystemTime: Duration.seconds(10),
  revisionHistory: true,
  maxIncrementals: MAX_SUPPORTED_INCREMENTALS,
  autoRebaseline: true,
  storage: 'uri' as StorageMode,
  verifyServerCertificate: true,
  connectTimeout: Duration.seconds(10),
  statementTimeout: Duration.seconds(30),
  timeout: Duration.minutes(5),
  memorySize: 256,
  logRetention: logs.RetentionDays.ONE_YEAR,
  accessKeySerial: 1,
} as const;

/** The longest RPO accepted: beyond a month an RPO alarm no longer guards a backup. */
const MAX_RPO = Duration.days(31);

/** External connection names the Lambda accepts (lambda/backup/connect/config.ts). */
const CONNECTION_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface CockroachBackupProps {
  /**
   * The collection: the key prefix inside the bucket under which CockroachDB keeps this
   * cluster's full and incremental backups (`s3://<bucket>/<collection>`). It scopes the
   * backup user's permissions, so two clusters can share one bucket with different
   * collections. Letters, digits, `.`, `_` and `-` in segments separated by single
   * slashes, no leading or trailing slash, no `.` or `..` segment, at most 256
   * characters, e.g. `prod/cluster-1`. Prefer names that are not a prefix of another
   * collection in the same bucket (`prod` and `prod-eu`): listing a collection's root
   * also shows the key names, never the contents, of such a sibling. Two CockroachBackups
   * of one app may not use overlapping collections of one bucket (equal, or one a path
   * prefix of the other): synth fails naming both.
   */
  readonly collection: string;

  /**
   * An existing bucket to write the backups to. Its security settings stay yours; the
   * backup user gets access to the collection prefix only (and to the bucket's KMS key,
   * when the bucket object knows it). Cannot be combined with `bucketOptions`.
   * @default a new bucket: public access blocked, TLS only, encrypted, versioned,
   * bucket-owner-enforced ownership, retained on stack deletion (see `bucketOptions`)
   */
  readonly bucket?: s3.IBucket;

  /**
   * Options for the new bucket. Cannot be combined with `bucket`.
   * @default S3-managed encryption, no server access logs, SSE-C uploads refused; without `retention`
   * noncurrent versions kept 90 days and no Object Lock, with it Object Lock GOVERNANCE for the retention window
   */
  readonly bucketOptions?: BackupBucketOptions;

  /**
   * How far back every point stays restorable: from now minus `retention` to the newest
   * backup, every point a chain covers restores. Whole chains expire: an S3 lifecycle rule
   * on `<collection>/` expires objects at `retention + chain span + margin` days, where the
   * chain span is the full-backup interval (or `maxIncrementals + 1` incremental intervals
   * when shorter) in whole days and the margin one more span (a failed full backup); nothing
   * is kept much longer than that plus a day (S3 rounds to midnight UTC) plus
   * `bucketOptions.noncurrentVersionExpiration` (1 day by default with retention). Whole days,
   * only with a bucket this construct creates (for your own bucket, add the rule
   * `BackupRetention.lifecycleRule(...)` returns). Adds the `RetentionWindow` alarm.
   * docs/retention.md.
   * @default every backup is kept forever (synth warns once, `cockroach-backup-cdk:retentionNotSet`)
   */
  readonly retention?: Duration;

  /**
   * Moves of the collection's objects to cheaper storage classes CockroachDB still reads
   * directly: `s3.StorageClass.INFREQUENT_ACCESS` (from 30 days) and
   * `s3.StorageClass.GLACIER_INSTANT_RETRIEVAL`; Glacier Flexible Retrieval and Deep Archive
   * are refused (a restore would need a RestoreObject request first). Only with `retention`.
   * @default none: objects stay in S3 Standard until they expire
   */
  readonly retentionTransitions?: RetentionTransition[];

  /**
   * The secret the Lambda reads to reach the cluster, a JSON object:
   * `{"host": "crdb.example.com", "port": 26257, "username": "backup", "password": "...",
   * "dbname": "defaultdb", "ca": "-----BEGIN CERTIFICATE-----\n..."}` where `ca` is the
   * PEM of the CA that signed the cluster's node certificates (checked unless
   * `verifyServerCertificate` is false). The SQL user needs the BACKUP system privilege
   * (`GRANT SYSTEM BACKUP TO backup`), and EXTERNALCONNECTION in `external-connection`
   * storage mode.
   * @default a new secret with host '', port 26257, username 'backup', dbname
   * 'defaultdb', ca '' and a generated 32-character password: fill in host and ca after
   * deploy, and set the SQL user's password to the generated one
   */
  readonly connectionSecret?: secretsmanager.ISecret;

  /**
   * Rotate the SQL password in the connection secret automatically (docs/password-rotation.md):
   * a rotation function, in the backup Lambda's VPC placement, runs Secrets Manager's four steps
   * (a new random password, `ALTER USER CURRENT_USER WITH PASSWORD` logged in with the current
   * one, a login with the new one, then it becomes current), every
   * `automaticallyAfter` (default 30 days). Works with the construct's secret and with your own
   * `connectionSecret`. **Prerequisite**, once per cluster as an admin:
   * `SET CLUSTER SETTING sql.auth.change_own_password.enabled = true;` (off by default; it lets
   * every SQL user change its own password, nothing more). Without it every rotation fails at
   * setSecret and the password stays as it is. Adds `PasswordRotationFunction` and
   * `PasswordRotationFunctionErrorsAlarm`. Pass `{}` for the defaults.
   * @default no automatic rotation: the password is changed by hand (docs/cluster-setup.md)
   */
  readonly connectionPasswordRotation?: ConnectionPasswordRotation;

  /**
   * Customer managed KMS key for the secrets the construct creates: the access-key secret and,
   * when `connectionSecret` is not given, the connection secret. An imported `connectionSecret`
   * keeps its own key; when its `ISecret` knows that key (`encryptionKey`, e.g.
   * `Secret.fromSecretAttributes(..., { secretCompleteArn, encryptionKey })`), the functions get
   * kms:Decrypt on it through Secrets Manager. With this key, reading a secret takes
   * `secretsmanager:GetSecretValue` on it and `kms:Decrypt` on this key: a principal whose policy
   * allows GetSecretValue on `*` (and no kms:Decrypt on this key) no longer reads the SQL password
   * or the backup key, as it does with the AWS managed key, whose key policy admits every principal
   * of the account through Secrets Manager. The functions may use the key only through Secrets
   * Manager of this region and only for their own secrets (`kms:ViaService`,
   * `kms:EncryptionContext:SecretARN`); a `kms.Key` of this stack also admits them in its key
   * policy, while an imported key's policy must let the account's IAM policies grant its use (as
   * KMS's default key policy does). Adding, changing or removing it updates the secrets in place
   * (same secrets, same ARNs; Secrets Manager re-encrypts their staged versions with the new key):
   * check that `cdk diff` shows only `KmsKeyId` on them, and disable or delete a previous key only
   * after the deploy. Deleting or disabling this key makes both secrets unreadable and stops every
   * backup: protect it with `BackupKeyProtection.denyKeyLossExceptTo`. Costs $1 a month plus
   * requests (docs/security.md).
   * @default the AWS managed key `aws/secretsmanager`
   */
  readonly secretsEncryptionKey?: kms.IKey;

  /**
   * How CockroachDB's nodes authenticate to the bucket (docs/credentials.md):
   * `StorageCredentials.accessKey()`, an IAM user's access key kept in Secrets Manager and
   * rotated; `StorageCredentials.cloudIdentityRole(arn)`, for CockroachDB Cloud Advanced on
   * AWS, a role that the cluster's identity role assumes; `StorageCredentials.implicit()`,
   * for self-hosted nodes on EC2 or EKS, their own identity (`nodeRole`) or a role it
   * assumes. The keyless modes create no IAM user, access key, key secret or rotation
   * function, and the SQL user then also needs `GRANT SYSTEM EXTERNALIOIMPLICITACCESS`.
   * @default StorageCredentials.accessKey()
   */
  readonly storageCredentials?: StorageCredentials;

  /**
   * Serial of the CloudFormation-managed access key that seeds the access-key secret.
   * Increasing it makes the next deploy create a new key and write it to the secret. With
   * `accessKeyRotation` on, the old key stays active and is retired after
   * `previousKeyGracePeriod` like a rotated one (the deploy fails, changing nothing, while
   * the user already holds two keys); with rotation disabled CloudFormation deletes the old
   * key in the same deploy, failing a backup job that still uses it. Prefer
   * `aws secretsmanager rotate-secret` when rotation is on (README, "Rotating the access key").
   * @default 1
   */
  readonly accessKeySerial?: number;

  /**
   * Automatic rotation of the backup user's access key through Secrets Manager: a rotation
   * function creates a new key, tests it with a signed S3 request on the collection, makes
   * it current, and retires the previous key after `previousKeyGracePeriod`.
   * `AccessKeyRotation.every(interval)`, a whole number of days from 1 to 365, or
   * `AccessKeyRotation.disabled()`.
   * @default AccessKeyRotation.every(Duration.days(90))
   */
  readonly accessKeyRotation?: AccessKeyRotation;

  /**
   * How long a previous access key stays active after a rotation made a new one current,
   * before it is deactivated (and deleted a day later): longer than your longest backup
   * job, since a job keeps the key it was submitted with. From 1 hour (longer than any
   * `timeout`) to 90 days, shorter than the rotation interval. Only with `accessKeyRotation` on.
   * @default Duration.days(1)
   */
  readonly previousKeyGracePeriod?: Duration;

  /**
   * When incremental backups run. Its time zone must match `timeZone` when both are set.
   * @default every hour on the hour, in `timeZone`, except the hour of a daily full
   * backup (with the default full schedule: `cron(0 1-23 * * ? *)`), so the two never
   * fire together
   */
  readonly incrementalSchedule?: scheduler.ScheduleExpression;

  /**
   * When full backups run; no more often than incrementals. Its time zone must match
   * `timeZone` when both are set.
   * @default every day at 00:00 in `timeZone` (`cron(0 0 * * ? *)`)
   */
  readonly fullSchedule?: scheduler.ScheduleExpression;

  /**
   * Time zone of the default schedules, e.g. `TimeZone.EUROPE_BERLIN`, so that full
   * backups run in your off-peak hours across daylight-saving changes. Schedules you
   * pass carry their own time zone, which must then be this one.
   * @default TimeZone.ETC_UTC
   */
  readonly timeZone?: TimeZone;

  /**
   * Time between two incremental runs. It sizes the RPO alarm's window and tells the
   * Lambda which finished jobs are new since the last run. Needed only when it cannot be
   * read from `incrementalSchedule` (rate() and simple cron() expressions can be read).
   * @default derived from `incrementalSchedule`
   */
  readonly incrementalInterval?: Duration;

  /**
   * AS OF SYSTEM TIME offset: each backup reads the data as of this long ago, which
   * avoids contention with foreground traffic. A whole number of seconds, at most 1 hour.
   * @default Duration.seconds(10)
   */
  readonly asOfSystemTime?: Duration;

  /**
   * Take backups WITH revision_history, so that a restore can pick any point in time
   * a chain covers, not only the times its backups ended. Every incremental, with or
   * without revision history, needs the gap since the previous backup to stay below the
   * cluster's GC TTL: see `autoRebaseline`.
   * @default true
   */
  readonly revisionHistory?: boolean;

  /**
   * Most incrementals on one full backup; when the chain reaches it, the next run takes
   * a full backup. From 1 to 48, the most Cockroach Labs supports.
   * @default 48
   */
  readonly maxIncrementals?: number;

  /**
   * Take a full backup, instead of failing every incremental, when the collection
   * belongs to another cluster (the cluster was restored from a backup and has a new
   * cluster ID) or when an incremental failed because the gap since the previous backup
   * outlived the GC TTL (`gc.ttlseconds`: 4 hours by default on clusters created on
   * v23.1 or later, 25 hours on clusters upgraded from older versions). That failure hits
   * every incremental, with or without revision history: the one-off BACKUP statements
   * the Lambda sends get no protected timestamps, unlike CockroachDB's backup schedules.
   * @default true
   */
  readonly autoRebaseline?: boolean;

  /**
   * Time budget of one file check (`SHOW BACKUP ... WITH check_files`: every data and
   * metadata file of every layer of a chain exists in storage; an existence check only, sizes
   * and contents are not compared, so a truncated or corrupted file is found by a restore
   * drill, not by this check). Every full-backup run checks the
   * chain it closes and the new one; a check that does not finish in time is reported as
   * not checked, never as passed. Whole seconds, shorter than `timeout`;
   * `Duration.seconds(0)` turns the checks of full-backup runs off.
   * @default Duration.minutes(2), or half of `timeout` when that is shorter
   */
  readonly fileCheckTimeout?: Duration;

  /**
   * Scheduled restore drills: a `RESTORE ... WITH schema_only, verify_backup_table_data` of
   * the newest chain, as of a time inside it, into new databases that are dropped afterwards,
   * reading every row from S3 and verifying its checksum. The SQL user then also needs
   * `GRANT SYSTEM RESTORE`. Adds a Parameter Store parameter for the drills' state, a
   * schedule and the drill alarms. Pass `{}` for the defaults.
   * @default no restore drills
   */
  readonly restoreDrill?: RestoreDrillOptions;

  /**
   * How BACKUP names the destination: `uri` passes the access key in the statement's
   * URI (CockroachDB redacts the secret key in job descriptions, but keeps it in each
   * job's payload for `jobs.retention_time`, 14 days by default); `external-connection`
   * keeps it in a CockroachDB external connection (`CREATE EXTERNAL CONNECTION`, stored in
   * `system.external_connections`) that the Lambda creates and replaces after key
   * rotation, so no statement carries a key. Either way the key is stored in the cluster.
   * @default 'uri'
   */
  readonly storage?: StorageMode;

  /**
   * Name of the external connection in `external-connection` storage mode: lower-case
   * letters, digits and underscores, starting with a letter or underscore, at most 63.
   * @default `backup_` followed by the collection with every other character replaced by `_`
   */
  readonly externalConnectionName?: string;

  /**
   * Verify the cluster's server certificate against the `ca` in the connection secret.
   * Turn it off only for a test cluster: without verification anyone on the network path
   * can impersonate the cluster and receive the password and the access key.
   * @default true
   */
  readonly verifyServerCertificate?: boolean;

  /**
   * How long the Lambda waits for the TCP and TLS connection to the cluster.
   * From 100 milliseconds to 15 minutes, shorter than `timeout`.
   * @default Duration.seconds(10)
   */
  readonly connectTimeout?: Duration;

  /**
   * Statement timeout of the Lambda's SQL session. BACKUP ... WITH DETACHED returns at
   * once and the storage and job reads are short; the Lambda waits for its job with
   * `SHOW JOB WHEN COMPLETE`, one statement timeout at a time, then looks again.
   * From 100 milliseconds to 15 minutes, shorter than `timeout`.
   * @default Duration.seconds(30)
   */
  readonly statementTimeout?: Duration;

  /**
   * Timeout of the backup Lambda. The Lambda waits for the job it submitted until 3 seconds
   * before this runs out; a job still running then is verified by the next run.
   * From 30 seconds to 15 minutes.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Memory of the backup Lambda in MiB (it only sends SQL and polls).
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Lambda runtime of every function of the construct (the backup, follow and access-key
   * rotation functions): a Node.js runtime from Node.js 24 on, e.g.
   * `lambda.Runtime.NODEJS_26_X` on aws-cdk-lib 2.277 or later, where cdk-nag's
   * AwsSolutions-L1 asks for the newest Node.js. The package's prebuilt bundles target
   * Node.js 24; other families and older Node.js runtimes are refused at synth.
   * @default lambda.Runtime.NODEJS_24_X
   */
  readonly runtime?: lambda.Runtime;

  /**
   * A VPC to run the Lambda in, to reach a cluster with private addresses. Its subnets
   * then need a route to each AWS service the functions call, through a NAT gateway or
   * interface VPC endpoints: Secrets Manager and Parameter Store (`ssm`) always (the follow
   * function, which runs in the same subnets, reads and writes its state parameter on every
   * look; the backup function also reads `RetentionPromise` with `retention` and `DrillState`
   * with `restoreDrill`), and with key rotation also IAM and S3 for the rotation function,
   * which runs in the same subnets too. IAM has interface endpoints only in us-east-1, so elsewhere
   * key rotation needs a NAT gateway (docs/cluster-setup.md, "The network").
   * @default no VPC: the Lambda reaches the cluster over the internet (TLS-verified)
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Subnets of `vpc` for the Lambda.
   * @default the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups of the Lambda in `vpc`; they must allow outbound traffic to the
   * cluster's SQL port and to Secrets Manager (443).
   * @default a new security group allowing all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * Recovery point objective: the RPO alarm fires when the newest successful backup is
   * older than this, or when the Lambda stops reporting. Longer than the incremental
   * interval, at most 31 days.
   * @default twice the incremental interval
   */
  readonly rpo?: Duration;

  /**
   * Topic that receives the alarms' ALARM and OK notifications.
   * @default a new KMS-encrypted, TLS-only topic (see `alarmTopic` to subscribe)
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Customer managed KMS key of the new alarm topic, e.g. the key you give
   * `logEncryptionKey`, to manage one key for the backup's logs and notifications. Its
   * key policy gets a statement that lets CloudWatch alarms use it. Cannot be combined
   * with `alarmTopic`.
   * @default a new customer managed key with rotation, used only by the topic
   */
  readonly alarmTopicKey?: kms.IKey;

  /**
   * Create a CloudWatch dashboard of backup outcomes, age, durations and chain length.
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * How long the Lambda's log group keeps the run summaries (and the metrics' source).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Customer managed KMS key that encrypts the Lambda's log group (run summaries name
   * hosts, job ids and CockroachDB's errors, never secrets). Its key policy gets a
   * statement that lets the CloudWatch Logs service of this region use it for log groups
   * of this account (`kms:EncryptionContext:aws:logs:arn`); a key imported by ARN cannot
   * be changed, and synth warns with the statement to add yourself. The same key may
   * serve the alarm topic: pass it as `alarmTopicKey` too.
   * @default encrypted by CloudWatch Logs with keys it manages
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Where requests signed with the backup key may come from, for clusters with a fixed
   * egress: `BackupKeySource.ipAddresses([...])` (`aws:SourceIp`),
   * `BackupKeySource.vpcEndpoints([...])` (`aws:SourceVpce`) or `BackupKeySource.vpcs([...])`
   * (`aws:SourceVpc`). The backup policy then denies reading and writing backup files from
   * anywhere else; a leaked key can still list the collection's key names from anywhere (the
   * rotation function tests new keys from Lambda with a list). In keyless modes it applies to
   * the role's sessions.
   * @default the key works from anywhere
   */
  readonly backupKeySource?: BackupKeySource;

  /**
   * The roles that may still delete, disable or re-policy the KMS keys this construct
   * creates (the alarm topic's key): each such key's policy gets a statement that denies
   * `kms:ScheduleKeyDeletion`, `kms:DisableKey` and `kms:PutKeyPolicy` to every other
   * principal, an account administrator's included. The stack's CloudFormation execution role
   * (default synthesizer) is always admitted, since deploys write the key policy. For a
   * bucket key of your own, call `BackupKeyProtection.denyKeyLossExceptTo` (docs/security.md).
   * @default no such statement: the account's administrators may delete or disable the keys
   */
  readonly keyAdministrators?: iam.IRole[];

  /**
   * CloudWatch namespace of the backup metrics. Namespaces starting with `AWS/` are
   * reserved for AWS services and refused.
   * @default 'CockroachBackup'
   */
  readonly metricsNamespace?: string;

  /**
   * How often the follow function looks at the collection's backup jobs and tells how each
   * one that ended since its previous look ended (BackupSucceeded, BackupFailed with the
   * job's error in its log), whatever the backup schedules: an end is told at most this
   * long (plus a look of seconds) after it. Whole minutes from 1 to 10.
   * @default Duration.minutes(5)
   */
  readonly followInterval?: Duration;

  /**
   * A running backup job whose fraction completed has not moved for this long is reported
   * hung (BackupHung, the BackupHungAlarm, the job named in the follow function's log).
   * At least two follow intervals, at most 7 days.
   * @default Duration.hours(1)
   */
  readonly hangAfter?: Duration;

  /**
   * An off-site, immutable copy of the collection: S3 replication of `<collection>/` to a
   * `BackupCopyDestination` in another account and/or region (deletes are not replicated), a
   * replication role with the fixed name `link.replicationRoleName`, and the ReplicationFailed and
   * ReplicationLatency alarms. Only with a bucket this construct creates. docs/offsite-copy.md.
   * @default no off-site copy
   */
  readonly offsiteCopy?: OffsiteCopyOptions;
}

/**
 * Scheduled, verified, incremental CockroachDB backups into S3.
 *
 * Provisions (or accepts) the backup bucket, an IAM user scoped to the collection whose
 * access key lives in Secrets Manager (or, with keyless `storageCredentials`, a role the
 * cluster's own identity assumes, or a policy on the nodes' role), the connection secret, a Lambda that submits
 * `BACKUP ... WITH DETACHED` and verifies every job through CockroachDB's job table,
 * EventBridge Scheduler schedules for full and incremental backups, and alarms on
 * failed, stale or unreported backups; file checks after full backups and, with `restoreDrill`,
 * scheduled restore drills, with their alarms.
 *
 * Construct IDs below this construct are stable: Bucket, BackupUser, BackupGroup, BackupPolicy, AccessKey,
 * AccessKeySecret (those four with the access key only), BackupRole (in keyless modes without `nodeRole`), ConnectionSecret, FunctionRole, LogGroup, Function, ScheduleRole,
 * IncrementalSchedule, FullSchedule, Monitoring, FollowState, FollowLogGroup,
 * FollowFunctionRole, FollowFunction, FollowScheduleRole, FollowSchedule; with key rotation RotationLogGroup,
 * RotationFunctionRole, RotationFunction, InvokedBySecretsManager, AccessKeyRotationSchedule,
 * RotationScheduleRole, RetirePreviousKeySchedule; with `connectionPasswordRotation` PasswordRotationLogGroup,
 * PasswordRotationFunctionRole, PasswordRotationFunction, PasswordRotationInvokedBySecretsManager,
 * PasswordRotationSchedule and Monitoring/PasswordRotationFunctionErrorsAlarm; with `restoreDrill` DrillState and DrillSchedule;
 * with `retention` RetentionPromise and Monitoring/RetentionWindowAlarm; with `offsiteCopy` ReplicationRole,
 * ReplicationPolicy, OffsiteCopyBucket (the copy's bucket, imported by name: no resource),
 * Monitoring/ReplicationFailedAlarm and Monitoring/ReplicationLatencyAlarm.
 */
export class CockroachBackup extends Construct {
  /** The bucket that holds the collection (new or given). */
  public readonly bucket: s3.IBucket;
  /** The collection prefix inside the bucket. */
  public readonly collection: string;
  /** The IAM user whose access key CockroachDB's nodes use to write the collection; none in keyless modes. */
  public readonly backupUser?: iam.User;
  /** The group the backup user gets its permissions through (its only member); none in keyless modes. */
  public readonly backupGroup?: iam.Group;
  /** The customer managed policy of `backupGroup` or `storageRole`: what CockroachDB needs on the collection. */
  public readonly backupPolicy: iam.ManagedPolicy;
  /** The backup user's access key; none in keyless modes. */
  public readonly accessKey?: iam.AccessKey;
  /** The secret `{"accessKeyId","secretAccessKey"}` of the backup user's key; none in keyless modes. */
  public readonly accessKeySecret?: secretsmanager.ISecret;
  /**
   * In keyless modes, the role that holds `backupPolicy`: the new 'BackupRole' that the nodes
   * (or CockroachDB Cloud's identity role) assume, or the `nodeRole` given to `StorageCredentials.implicit`.
   */
  public readonly storageRole?: iam.IRole;
  /** The secret `{"host","port","username","password","dbname","ca"}` (new or given). */
  public readonly connectionSecret: secretsmanager.ISecret;
  /** The backup Lambda. */
  public readonly backupFunction: lambda.IFunction;
  /** The backup Lambda's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The schedule that sends `{"kind":"incremental"}`. */
  public readonly incrementalSchedule: scheduler.Schedule;
  /** The schedule that sends `{"kind":"full"}`. */
  public readonly fullSchedule: scheduler.Schedule;
  /** Time between two incremental runs. */
  public readonly runInterval: Duration;
  /** The alarms, metrics and optional dashboard. */
  public readonly monitoring: BackupMonitoring;
  /** The topic every alarm notifies. */
  public readonly alarmTopic: sns.ITopic;
  /** A backup job failed, or a run failed before it could submit. */
  public readonly backupFailedAlarm: cloudwatch.Alarm;
  /** The newest successful backup is older than the RPO, or the Lambda stopped reporting. */
  public readonly rpoAlarm: cloudwatch.Alarm;
  /** The backup Lambda ended with an error. */
  public readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** The backup Lambda was throttled. */
  public readonly functionThrottlesAlarm: cloudwatch.Alarm;
  /** The dashboard, when `dashboard: true`. */
  public readonly dashboard?: cloudwatch.Dashboard;
  /** The access-key rotation function, when `accessKeyRotation` is on. */
  public readonly rotationFunction?: lambda.IFunction;
  /** A rotation step or retirement failed (`RotationFailed` Sum >= 1), when rotation is on. */
  public readonly rotationFailedAlarm?: cloudwatch.Alarm;
  /** The rotation function ended with an error, when rotation is on. */
  public readonly rotationFunctionErrorsAlarm?: cloudwatch.Alarm;
  /** The password rotation function, with `connectionPasswordRotation`. */
  public readonly passwordRotationFunction?: lambda.IFunction;
  /** The password rotation function ended with an error (a rotation failed), with `connectionPasswordRotation`. */
  public readonly passwordRotationFunctionErrorsAlarm?: cloudwatch.Alarm;
  /** A file check found files missing from storage. */
  public readonly filesMissingAlarm: cloudwatch.Alarm;
  /** A file check did not finish within `fileCheckTimeout` or could not run. */
  public readonly filesNotCheckedAlarm: cloudwatch.Alarm;
  /** The schedule that sends `{"kind":"restore-drill"}`, when `restoreDrill` is set. */
  public readonly drillSchedule?: scheduler.Schedule;
  /** The parameter that keeps the restore drills' state, when `restoreDrill` is set. */
  public readonly drillStateParameter?: ssm.StringParameter;
  /** The follow function: every `followInterval` it tells how the collection's backup jobs ended (docs/job-following.md). */
  public readonly followFunction: lambda.IFunction;
  /** The schedule that sends `{"kind":"follow"}` to the follow function. */
  public readonly followSchedule: scheduler.Schedule;
  /** What the follow checks saw at their previous look (written only by the follow function). */
  public readonly followStateParameter: ssm.StringParameter;
  /** A running backup job's progress stood still for `hangAfter`. */
  public readonly backupHungAlarm: cloudwatch.Alarm;
  /** The follow function ended with an error: jobs' ends are not told until it works again. */
  public readonly followFunctionErrorsAlarm: cloudwatch.Alarm;
  /** A restore drill failed, when `restoreDrill` is set. */
  public readonly drillFailedAlarm?: cloudwatch.Alarm;
  /** Dropping a drill's databases failed, when `restoreDrill` is set. */
  public readonly drillCleanupFailedAlarm?: cloudwatch.Alarm;
  /** The newest successful drill is older than twice the drill interval, when `restoreDrill` is set. */
  public readonly drillAgeAlarm?: cloudwatch.Alarm;
  /** The parameter whose last change marks when the retention promise began, when `retention` is set. */
  public readonly retentionPromise?: ssm.StringParameter;
  /** The restorable window is shorter than `retention` promises, when `retention` is set. */
  public readonly retentionWindowAlarm?: cloudwatch.Alarm;
  /** The role S3 replicates the collection to the off-site copy with, when `offsiteCopy` is set. */
  public readonly replicationRole?: iam.IRole;
  /** S3 failed to replicate objects to the off-site copy, when `offsiteCopy` is set. */
  public readonly replicationFailedAlarm?: cloudwatch.Alarm;
  /** Objects waited longer than `offsiteCopy.replicationLatencyThreshold` to reach the copy, when `offsiteCopy` is set. */
  public readonly replicationLatencyAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CockroachBackupProps) {
    super(scope, id);
    checkCollection(this, props.collection);
    this.collection = props.collection;
    const settings = this.validatedSettings(props);

    const schedules = resolveSchedules(this, {
      incremental: props.incrementalSchedule,
      full: props.fullSchedule,
      timeZone: props.timeZone,
      incrementalInterval: props.incrementalInterval,
    });
    this.runInterval = schedules.runInterval;
    const rpo = props.rpo ?? Duration.seconds(schedules.runInterval.toSeconds() * 2);
    this.checkRpo(rpo, schedules.runInterval);
    const drill = props.restoreDrill === undefined ? undefined : resolveRestoreDrill(this, props.restoreDrill, schedules, props.timeZone, props.retention !== undefined);
    const following = resolveJobFollowing(this, props.followInterval, props.hangAfter);
    const passwordRotationDays = props.connectionPasswordRotation === undefined ? undefined : checkPasswordRotation(this, props.connectionPasswordRotation);

    const runtime = functionRuntime(this, props.runtime);
    const storageCredentials = props.storageCredentials ?? StorageCredentials.accessKey();
    const keyless = storageCredentials.mode !== 'access-key';
    if (keyless) this.refuseKeyProps(props, storageCredentials.mode);
    const rotation = keyless
      ? undefined
      : checkRotationSettings(this, {
          rotation: props.accessKeyRotation ?? ROTATION_DEFAULTS.accessKeyRotation,
          previousKeyGracePeriod: props.previousKeyGracePeriod,
        });

    const retention = resolveRetention(this, {
      retention: props.retention,
      transitions: props.retentionTransitions,
      createsBucket: props.bucket === undefined,
      collection: this.collection,
      window: {
        fullInterval: Token.isUnresolved(schedules.full.expressionString) ? undefined : scheduleInterval(schedules.full.expressionString),
        runInterval: schedules.runInterval,
        maxIncrementals: settings.maxIncrementals,
      },
    });
    this.bucket = backupBucket(this, props.bucket, props.bucketOptions, retention);
    this.backupPolicy = collectionWritePolicy(this, this.bucket, this.collection, keyless ? 'role' : 'user');
    const bound = storageCredentials._bind(this, this.backupPolicy);
    this.storageRole = bound.role;
    const secretsKey = props.secretsEncryptionKey;
    if (secretsKey !== undefined && keyless && props.connectionSecret !== undefined) {
      invalid(this, 'secretsEncryptionKey', 'set', 'to be left out when the construct creates no secret (a keyless storageCredentials mode and your own connectionSecret)');
    }
    const credentials = keyless ? undefined : backupCredentials(this, this.backupPolicy, props.accessKeySerial ?? DEFAULTS.accessKeySerial, rotation !== undefined, secretsKey);
    this.backupUser = credentials?.user;
    this.backupGroup = credentials?.group;
    this.accessKey = credentials?.accessKey;
    this.accessKeySecret = credentials?.secret;
    const connection = connectionSecret(this, props.connectionSecret, secretsKey, passwordRotationDays !== undefined);
    this.connectionSecret = connection.secret;
    if (props.offsiteCopy !== undefined && props.bucket !== undefined) {
      invalid(
        this,
        'offsiteCopy',
        'set with an existing bucket',
        "a bucket this construct creates: it cannot own the replication configuration of a bucket it was given (docs/offsite-copy.md, \"The replication rule\")",
      );
    }
    const offsite =
      props.offsiteCopy === undefined
        ? undefined
        : offsiteCopySource(this, props.offsiteCopy, {
            storagePrincipal: credentials?.user ?? bound.role,
            backupPolicy: this.backupPolicy,
            bucket: this.bucket,
            collection: this.collection,
            drills: drill !== undefined,
          });
    this.replicationRole = offsite?.replicationRole;
    // After the copy: the backup key's reads of the copy (drills) come from the same places only.
    props.backupKeySource?._restrict(this, this.backupPolicy, this.bucket, this.collection, offsite?.copyReadObjectArns);

    const metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.drillStateParameter = drill === undefined ? undefined : drillStateParameter(this);
    this.followStateParameter = followStateParameter(this);
    // Variables of optional features only with their feature: a construct without them keeps its template.
    const featureEnvironment = {
      ...(retention === undefined ? {} : { [ENV.retentionSeconds]: String(retention.window.retentionDays * 86400) }),
      ...(drill?.oldestInWindow === true ? { [ENV.drillOldestInWindow]: 'true' } : {}),
      ...offsite?.drillEnvironment,
      // The functions that log in then try AWSPENDING once after AWSCURRENT is refused (the seconds of a rotation).
      ...(passwordRotationDays === undefined ? {} : { [ENV.passwordRotation]: 'true' }),
    };
    const environment: BackupEnvironment = {
      ...featureEnvironment,
      [ENV.connectionSecretArn]: this.connectionSecret.secretArn,
      // The access key's secret, or the keyless mode and its role chain: the default's
      // variables stay exactly as they were before keyless modes existed.
      ...(credentials !== undefined
        ? { [ENV.accessKeySecretArn]: credentials.secret.secretArn }
        : { [ENV.storageAuth]: 'implicit', [ENV.assumeRoleChain]: bound.assumeRoleChain ?? '' }),
      [ENV.bucketName]: this.bucket.bucketName,
      [ENV.bucketRegion]: this.bucket.env.region,
      [ENV.collection]: this.collection,
      // Empty: the bucket is on AWS S3. The variable serves S3-compatible stores in the local runner.
      [ENV.s3Endpoint]: '',
      [ENV.storageMode]: settings.storage,
      // Empty in 'uri' mode, where no external connection exists.
      [ENV.externalConnectionName]: settings.storage === 'external-connection' ? settings.externalConnectionName : '',
      [ENV.asOfSystemTimeSeconds]: String(settings.asOfSystemTime.toSeconds()),
      [ENV.revisionHistory]: String(props.revisionHistory ?? DEFAULTS.revisionHistory),
      [ENV.maxIncrementals]: String(settings.maxIncrementals),
      [ENV.autoRebaseline]: String(props.autoRebaseline ?? DEFAULTS.autoRebaseline),
      [ENV.incrementalIntervalSeconds]: String(schedules.runInterval.toSeconds()),
      [ENV.tlsVerify]: String(props.verifyServerCertificate ?? DEFAULTS.verifyServerCertificate),
      [ENV.connectTimeoutMs]: String(settings.connectTimeout.toMilliseconds()),
      [ENV.statementTimeoutMs]: String(settings.statementTimeout.toMilliseconds()),
      [ENV.metricsNamespace]: metricsNamespace,
      [ENV.fileCheckTimeoutSeconds]: String(settings.fileCheckTimeout.toSeconds()),
      // Without drills: empty and '0', drills off.
      [ENV.drillDatabases]: drill?.databases ?? '',
      [ENV.drillStateParameter]: this.drillStateParameter?.parameterName ?? '',
      [ENV.drillIntervalSeconds]: String(drill?.interval.toSeconds() ?? 0),
      // The backup function only learns from it that the follow checks tell the jobs' ends;
      // it may not read or write it.
      [ENV.followStateParameter]: this.followStateParameter.parameterName,
      [ENV.hangAfterSeconds]: String(following.hangAfter.toSeconds()),
    };
    // Where every function of the construct runs and logs: the backup, follow and rotation functions.
    const placement: FunctionPlacement = {
      runtime,
      logRetention: props.logRetention ?? DEFAULTS.logRetention,
      logEncryptionKey: props.logEncryptionKey,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    };
    const fn = backupFunction(this, {
      environment,
      secrets: credentials === undefined ? [connection] : [connection, { secret: credentials.secret, ownKey: secretsKey }],
      timeout: settings.timeout,
      memorySize: settings.memorySize,
      runInterval: schedules.runInterval,
      ...placement,
    });
    if (props.logEncryptionKey !== undefined) allowLogGroupEncryption(this, props.logEncryptionKey);
    this.backupFunction = fn.fn;
    this.retentionPromise = retention === undefined ? undefined : retentionPromiseParameter(this, fn.fn, retention.window);
    if (this.retentionPromise !== undefined) fn.fn.addEnvironment(ENV.retentionParameter, this.retentionPromise.parameterName);
    this.logGroup = fn.logGroup;

    const created = backupSchedules(this, fn.fn, schedules);
    this.incrementalSchedule = created.incremental;
    this.fullSchedule = created.full;
    if (drill !== undefined && this.drillStateParameter !== undefined) {
      this.drillSchedule = scheduleRestoreDrills(this, fn.fn, created.role, this.drillStateParameter, drill);
    }

    this.monitoring = new BackupMonitoring(this, 'Monitoring', {
      backupFunction: fn.fn,
      collectionDimensionValue: collectionDimensionValue(this.bucket.bucketName, this.collection),
      rpo,
      runInterval: schedules.runInterval,
      metricsNamespace,
      alarmTopic: props.alarmTopic,
      alarmTopicKey: props.alarmTopicKey,
      dashboard: props.dashboard,
    });
    const follow = followFunction(this, {
      environment,
      connectionSecret: connection,
      state: this.followStateParameter,
      interval: following.interval,
      ...placement,
    });
    this.followFunction = follow.fn;
    this.followSchedule = scheduleFollowChecks(this, follow.fn, following.interval);
    ({ hungAlarm: this.backupHungAlarm, functionErrorsAlarm: this.followFunctionErrorsAlarm } = this.monitoring.addFollowAlarms(follow.fn, follow.logGroup, following));
    this.alarmTopic = this.monitoring.alarmTopic;
    this.backupFailedAlarm = this.monitoring.backupFailedAlarm;
    this.rpoAlarm = this.monitoring.rpoAlarm;
    this.functionErrorsAlarm = this.monitoring.functionErrorsAlarm;
    this.functionThrottlesAlarm = this.monitoring.functionThrottlesAlarm;
    this.dashboard = this.monitoring.dashboard;

    let rotationRole: iam.IRole | undefined;
    if (rotation !== undefined && credentials !== undefined) {
      const rotationParts = accessKeyRotation(this, {
        days: rotation.days,
        previousKeyGracePeriod: rotation.grace,
        user: credentials.user,
        secret: credentials.secret,
        secretsKey,
        bucketName: this.bucket.bucketName,
        bucketRegion: this.bucket.env.region,
        collection: this.collection,
        metricsNamespace,
        ...placement,
      });
      this.rotationFunction = rotationParts.fn;
      rotationRole = rotationParts.role;
      ({ rotationFailedAlarm: this.rotationFailedAlarm, functionErrorsAlarm: this.rotationFunctionErrorsAlarm } = this.monitoring.addRotationAlarms(rotationParts.fn));
    }
    let passwordRotationRole: iam.IRole | undefined;
    if (passwordRotationDays !== undefined) {
      const passwordRotation = connectionPasswordRotation(this, {
        days: passwordRotationDays,
        secret: connection,
        environment,
        timeout: settings.timeout,
        ...placement,
      });
      this.passwordRotationFunction = passwordRotation.fn;
      passwordRotationRole = passwordRotation.role;
      this.passwordRotationFunctionErrorsAlarm = this.monitoring.addPasswordRotationAlarm(passwordRotation.fn);
    }
    if (secretsKey !== undefined) {
      // Who reads and writes which secret under the key: the connection secret only when the construct created it.
      const connectionRotation = connection.ownKey === undefined || passwordRotationRole === undefined ? [] : [passwordRotationRole];
      const connectionReaders = connection.ownKey === undefined ? [] : [fn.role, follow.role, ...connectionRotation];
      const keyReaders = credentials === undefined ? [] : [fn.role, ...(rotationRole === undefined ? [] : [rotationRole])];
      const writers = [...(rotationRole === undefined ? [] : [rotationRole]), ...connectionRotation];
      allowSecretsKeyUsers(this, secretsKey, { readers: [...new Set([...connectionReaders, ...keyReaders])], writers });
    }
    const verification = verificationAlarms(this.monitoring, {
      collectionDimensionValue: collectionDimensionValue(this.bucket.bucketName, this.collection),
      runInterval: schedules.runInterval,
      drillInterval: drill?.interval,
    });
    this.filesMissingAlarm = verification.filesMissingAlarm;
    this.filesNotCheckedAlarm = verification.filesNotCheckedAlarm;
    this.drillFailedAlarm = verification.drillFailedAlarm;
    this.drillCleanupFailedAlarm = verification.drillCleanupFailedAlarm;
    this.drillAgeAlarm = verification.drillAgeAlarm;
    this.retentionWindowAlarm = retention === undefined ? undefined : retentionWindowAlarm(this.monitoring, this.collection, schedules.runInterval, retention.window);
    if (offsite !== undefined) {
      ({ failedAlarm: this.replicationFailedAlarm, latencyAlarm: this.replicationLatencyAlarm } = replicationAlarms(this.monitoring, {
        sourceBucketName: this.bucket.bucketName,
        destinationBucketName: offsite.link.bucketName,
        ruleId: OFFSITE_RULE_ID,
        latencyThreshold: offsite.latencyThreshold,
      }));
    }
    if (props.keyAdministrators !== undefined) {
      for (const key of this.node.findAll().filter((c): c is kms.Key => c instanceof kms.Key)) BackupKeyProtection.denyKeyLossExceptTo(key, props.keyAdministrators);
    }
    // Last, so that a construct refused for another reason leaves no claim behind.
    claimCollection(this, this.bucket, this.collection);
  }

  /** One metric of the contract for this collection (see `BackupMonitoring.metric`). */
  public metric(key: MetricKey, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metric(key, props);
  }

  /** Backup jobs submitted (Sum). */
  public metricSubmitted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricSubmitted(props);
  }

  /** Backup jobs that succeeded (Sum). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricSucceeded(props);
  }

  /** Backup jobs that failed, and runs that failed before submitting (Sum). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricFailed(props);
  }

  /** Runs that took no backup because one was still running (Sum). */
  public metricSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricSkipped(props);
  }

  /** Age in seconds of the newest successful backup, reported once per run (Maximum). */
  public metricNewestBackupAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricNewestBackupAge(props);
  }

  /** Duration in seconds of backup jobs that ended (Maximum). */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricDuration(props);
  }

  /** Incrementals on the newest full backup (Maximum). */
  public metricChainLength(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricChainLength(props);
  }

  /** File checks that finished, passed or not (Sum). */
  public metricFilesChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricFilesChecked(props);
  }

  /** Files that finished checks reported missing (Sum). */
  public metricFilesMissing(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricFilesMissing(props);
  }

  /** File checks that ran out of time or could not run (Sum). */
  public metricFilesNotChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricFilesNotChecked(props);
  }

  /** Restore drills that succeeded (Sum). */
  public metricDrillSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricDrillSucceeded(props);
  }

  /** Restore drills that failed (Sum). */
  public metricDrillFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricDrillFailed(props);
  }

  /** Drills whose databases could not be dropped (Sum). */
  public metricDrillCleanupFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricDrillCleanupFailed(props);
  }

  /** Age in seconds of the newest successful restore drill (Maximum). */
  public metricNewestDrillAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.monitoring.metricNewestDrillAge(props);
  }

  /**
   * Gives `grantee` read-only access to this collection, for restores and restore drills:
   * `s3:GetObject` on `<collection>/*`, `s3:ListBucket` on the bucket limited to the
   * collection prefix (as the backup user is), and `kms:Decrypt` on the bucket's key
   * when the bucket uses one (for an existing bucket: when its `IBucket` knows the key,
   * e.g. `s3.Bucket.fromBucketAttributes({ bucketName, encryptionKey })`). Nothing that
   * writes or deletes: hand this key, not the backup user's, to a scratch cluster.
   *
   * The statements go to the grantee's own policy, never to the bucket's, so the grantee
   * must be in this bucket's account (another account also needs a bucket policy).
   * Example: an IAM user with an access key, whose key goes into the restore URI
   * (docs/restore.md, "Where the keys come from").
   *
   * @param grantee the principal that reads the backups, e.g. an `iam.User`
   * @returns the grant; check `grant.success` for principals that cannot take policies
   */
  public grantRestoreRead(grantee: iam.IGrantable): iam.Grant {
    return grantCollectionRead(grantee, this.bucket, this.collection);
  }

  /** Validates the backup and Lambda settings and fills in their defaults. */
  private validatedSettings(props: CockroachBackupProps) {
    const asOfSystemTime = props.asOfSystemTime ?? DEFAULTS.asOfSystemTime;
    checkDurationSeconds(this, 'asOfSystemTime', asOfSystemTime, Duration.seconds(1), Duration.hours(1));

    const maxIncrementals = props.maxIncrementals ?? DEFAULTS.maxIncrementals;
    checkInteger(this, 'maxIncrementals', maxIncrementals, 1, MAX_SUPPORTED_INCREMENTALS, ` (Cockroach Labs supports at most ${MAX_SUPPORTED_INCREMENTALS} incrementals on one full backup)`);

    const timeout = props.timeout ?? DEFAULTS.timeout;
    const timeoutSeconds = checkDurationSeconds(this, 'timeout', timeout, Duration.seconds(30), Duration.minutes(15));
    const connectTimeout = props.connectTimeout ?? DEFAULTS.connectTimeout;
    const statementTimeout = props.statementTimeout ?? DEFAULTS.statementTimeout;
    for (const [prop, value] of [['connectTimeout', connectTimeout], ['statementTimeout', statementTimeout]] as const) {
      const seconds = checkDurationSeconds(this, prop, value, Duration.millis(100), Duration.minutes(15), false);
      if (seconds !== undefined && !Number.isInteger(value.toMilliseconds({ integral: false }))) {
        invalid(this, prop, describeDuration(value), 'a whole number of milliseconds');
      }
      if (seconds !== undefined && timeoutSeconds !== undefined && seconds >= timeoutSeconds) {
        invalid(this, prop, describeDuration(value), `less than the Lambda timeout (${timeout.toHumanString()})`);
      }
    }

    const memorySize = props.memorySize ?? DEFAULTS.memorySize;
    checkInteger(this, 'memorySize', memorySize, 128, 10240, ' (MiB, the range Lambda allows)');
    if (props.accessKeySerial !== undefined) checkInteger(this, 'accessKeySerial', props.accessKeySerial, 1, Number.MAX_SAFE_INTEGER);

    const storage = props.storage ?? DEFAULTS.storage;
    if (storage !== 'uri' && storage !== 'external-connection') {
      invalid(this, 'storage', JSON.stringify(storage), "'uri' or 'external-connection'");
    }
    if (props.externalConnectionName !== undefined && storage !== 'external-connection') {
      invalid(this, 'externalConnectionName', JSON.stringify(props.externalConnectionName), "to be set only with storage 'external-connection'");
    }
    const externalConnectionName = props.externalConnectionName ?? defaultConnectionName(this.collection);
    if (!Token.isUnresolved(externalConnectionName) && !CONNECTION_NAME.test(externalConnectionName)) {
      invalid(
        this,
        'externalConnectionName',
        JSON.stringify(externalConnectionName),
        'lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters',
      );
    }
    if (props.metricsNamespace !== undefined) checkMetricsNamespace(this, props.metricsNamespace);
    if ((props.vpcSubnets !== undefined || props.securityGroups !== undefined) && props.vpc === undefined) {
      invalid(this, props.vpcSubnets !== undefined ? 'vpcSubnets' : 'securityGroups', 'set without vpc', 'vpc to be set as well');
    }
    const fileCheckTimeout = resolveFileCheckTimeout(this, props.fileCheckTimeout, timeout);
    return { asOfSystemTime, maxIncrementals, timeout, connectTimeout, statementTimeout, memorySize, storage, externalConnectionName, fileCheckTimeout };
  }

  /** The access key's props mean nothing without a key: refused, naming the prop, rather than ignored. */
  private refuseKeyProps(props: CockroachBackupProps, mode: string): void {
    const given: [string, unknown][] = [
      ['accessKeySerial', props.accessKeySerial],
      ['accessKeyRotation', props.accessKeyRotation],
      ['previousKeyGracePeriod', props.previousKeyGracePeriod],
    ];
    for (const [prop, value] of given) {
      if (value !== undefined) invalid(this, prop, 'set', `to be left out with storageCredentials ${mode}, which creates no access key`);
    }
  }

  private checkRpo(rpo: Duration, runInterval: Duration): void {
    if (rpo.isUnresolved() || runInterval.isUnresolved()) return;
    if (rpo.toSeconds({ integral: false }) > MAX_RPO.toSeconds()) {
      invalid(
        this,
        'rpo',
        describeDuration(rpo),
        `at most ${MAX_RPO.toHumanString()}: an alarm that waits longer for a missing backup guards nothing (take full backups less often, not the alarm later)`,
      );
    }
    if (rpo.toSeconds({ integral: false }) <= runInterval.toSeconds({ integral: false })) {
      invalid(
        this,
        'rpo',
        describeDuration(rpo),
        `a duration longer than the incremental interval (${runInterval.toHumanString()}): ` +
          'the newest backup is that old just before every run, so the alarm would fire between healthy runs',
      );
    }
  }
}

/** `backup_` and the collection with every character outside [a-z0-9_] as '_', cut to 63. */
export function defaultConnectionName(collection: string): string {
  return `backup_${collection.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

