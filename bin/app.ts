#!/usr/bin/env node
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { Construct } from 'constructs';
import { BackupCopyDestination, CockroachBackup, OffsiteCopyLink, StorageCredentials } from '../lib';
import { denyGrantsExceptForAwsServices } from '../lib/keys/key-policies';
import { controlTowerRuleId } from '../lib/nag';
import { ROLE_ARN } from '../contract/assume-role-chain';
import { acknowledgeRegulatedPacks, functionsOutsideVpc } from './regulated-packs';

/** The example stack's name (`cdk deploy CockroachBackupExample`). */
export const EXAMPLE_STACK_NAME = 'CockroachBackupExample';
/** The off-site copy's stack, with `-c offsiteCopy=true` (`cdk deploy CockroachBackupCopy CockroachBackupExample`). */
export const COPY_STACK_NAME = 'CockroachBackupCopy';
/** The account both stacks use when `CDK_DEFAULT_ACCOUNT` is unset, so that `cdk synth` works without AWS credentials. */
export const PLACEHOLDER_ACCOUNT = '111111111111';
/** The primary's region when `CDK_DEFAULT_REGION` is unset. */
export const DEFAULT_PRIMARY_REGION = 'eu-west-1';
/**
 * Where the copy goes from each primary region: a fixed, nearby partner, so that the same
 * command always synthesizes the same pair; other regions copy to us-east-1 (or from there to us-west-2).
 */
const COPY_REGIONS: Record<string, string> = {
  'eu-west-1': 'eu-central-1',
  'eu-central-1': 'eu-west-1',
  'eu-west-2': 'eu-west-1',
  'eu-north-1': 'eu-central-1',
  'us-east-1': 'us-west-2',
  'us-east-2': 'us-west-2',
  'us-west-2': 'us-east-1',
  'ap-southeast-2': 'ap-southeast-1',
  'ap-southeast-1': 'ap-southeast-2',
  'ap-northeast-1': 'ap-northeast-3',
};

/**
 * Context keys the example app reads (`cdk.json` or `-c key=value`):
 * - `collection`: key prefix of the backups in the bucket (default `cluster-1`);
 * - `timeZone`: IANA time zone of the schedules, e.g. `Europe/Berlin` (default `Etc/UTC`);
 * - `alarmEmail`: an address subscribed to the alarm topic (default: none);
 * - `rpoHours`: the recovery point objective in hours (default: twice the incremental interval);
 * - `restoreDrill`: `true` for weekly restore drills with the defaults (default `false`: they
 *   need `GRANT SYSTEM RESTORE` on the cluster, see the README);
 * - `credentials`: how the nodes reach the bucket (docs/credentials.md): `access-key` (default),
 *   `cloud-role` with `cloudIdentityRoleArn` (the CockroachDB Cloud cluster's identity role), or
 *   `implicit` with an optional `nodeRoleArn` (the self-hosted nodes' role).
 * - `retentionDays`: how many days back every point stays restorable, e.g. `35` (default: none,
 *   every backup is kept; docs/retention.md).
 * - `offsiteCopy`: `true` adds the stack `CockroachBackupCopy` with an off-site copy of the
 *   collection (docs/offsite-copy.md) in another region of the same account (default `false`); both
 *   stacks then get an explicit environment: `CDK_DEFAULT_ACCOUNT` (or 111111111111 without AWS
 *   credentials) and `CDK_DEFAULT_REGION` (or eu-west-1) with its partner region for the copy. Both
 *   keep `retentionDays` (35 without it); with `restoreDrill`, the drills read the copy. It is the
 *   hardened example: the secrets get a key of their own, the SQL password rotates
 *   (`connectionPasswordRotation`), and the HIPAA, NIST 800-53 R5 and PCI DSS packs run too.
 * - `offsiteAccount`: the 12-digit account of the copy, in the primary's region (default: the
 *   primary's account, in the partner region).
 */
export interface ExampleContext {
  readonly collection?: string;
  readonly timeZone?: string;
  readonly alarmEmail?: string;
  readonly rpoHours?: string;
  readonly restoreDrill?: string;
  readonly credentials?: string;
  readonly cloudIdentityRoleArn?: string;
  readonly nodeRoleArn?: string;
  readonly retentionDays?: string;
  readonly offsiteCopy?: string;
  readonly offsiteAccount?: string;
}

export interface BuildOptions {
  /** Context values, as `-c key=value` would give them (the ExampleContext keys, or any CDK context key). */
  readonly context?: ExampleContext & Record<string, unknown>;
  /** Where to write the cloud assembly. @default the CLI's, or a temporary directory */
  readonly outdir?: string;
}

export interface ExampleApp {
  readonly app: App;
  readonly stack: Stack;
  readonly backup: CockroachBackup;
  /** The off-site copy's stack and construct, with `-c offsiteCopy=true`. */
  readonly copyStack?: Stack;
  readonly copy?: BackupCopyDestination;
}

/**
 * - serverAccessLogsUseBucketPolicy: the access-log bucket grants the S3 logging service
 *   through its bucket policy, which works with ACLs disabled (bucket-owner-enforced);
 * - checkSecretUsage: fail synthesis if a secret value is ever used as plain text.
 */
const FEATURE_FLAGS = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/core:checkSecretUsage': true,
} as const;

function contextString(app: App, key: keyof ExampleContext): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

/** A role ARN from the context, or an error naming the key, the value and what is expected. */
function contextRoleArn(app: App, key: 'cloudIdentityRoleArn' | 'nodeRoleArn', what: string, required: boolean): string | undefined {
  const value = contextString(app, key);
  if (value === undefined && !required) return undefined;
  if (value === undefined || !ROLE_ARN.test(value)) {
    throw new Error(`context ${key} is ${value === undefined ? 'missing' : `'${value}'`}: expected ${what}, arn:aws:iam::<account>:role/<name>`);
  }
  return value;
}

/** The `credentials` context key: which StorageCredentials the example uses. */
function exampleCredentials(app: App, stack: Stack): StorageCredentials {
  const mode = contextString(app, 'credentials') ?? 'access-key';
  switch (mode) {
    case 'access-key':
      return StorageCredentials.accessKey();
    case 'cloud-role':
      return StorageCredentials.cloudIdentityRole(
        contextRoleArn(app, 'cloudIdentityRoleArn', "the ARN of the CockroachDB Cloud cluster's identity role (-c cloudIdentityRoleArn=...)", true)!,
      );
    case 'implicit': {
      const nodeRoleArn = contextRoleArn(app, 'nodeRoleArn', "the ARN of the role CockroachDB's nodes run as", false);
      return StorageCredentials.implicit({ nodeRole: nodeRoleArn === undefined ? undefined : iam.Role.fromRoleArn(stack, 'NodeRole', nodeRoleArn) });
    }
    default:
      throw new Error(`context credentials is '${mode}': expected access-key, cloud-role or implicit`);
  }
}

/**
 * A rotating customer managed key that may not be used for grants except by AWS services
 * for AWS resources (Control Tower CT.KMS.PR.3): S3, CloudWatch Logs and SNS use the key
 * directly and need no grant.
 */
function customerManagedKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, { description, enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  denyGrantsExceptForAwsServices(key);
  return key;
}

/**
 * Builds the example app: one stack with a `CockroachBackup` writing to a new bucket
 * whose server access logs go to a second bucket, checked by cdk-nag's AwsSolutions
 * pack and by AWS Control Tower's proactive controls (cfn-guard). Tests call this to
 * synthesize exactly what `cdk synth` synthesizes.
 */
export function buildApp(options: BuildOptions = {}): ExampleApp {
  // Version reporting off: the CDK metadata resource would change with every library
  // upgrade and is not something the example needs (cdk.json says the same for the CLI).
  // Feature flags live here rather than in cdk.json, so that tests, which call this
  // function without the CLI, synthesize the same template as `cdk synth`.
  const app = new App({ context: { ...options.context }, postCliContext: FEATURE_FLAGS, outdir: options.outdir, analyticsReporting: false });
  // Two policy packs: cdk-nag's AwsSolutions rules, and the AWS Control Tower proactive
  // controls as cfn-guard rules (the cfn-guard binary ships in the npm package).
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());

  const offsite = offsiteLink(app);
  // The example with the copy is the hardened one: the regulated-workload packs run on it too.
  if (offsite !== undefined) Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new NIST80053R5Checks(app), new PCIDSS321Checks(app));
  const copyStack =
    offsite === undefined
      ? undefined
      : new Stack(app, COPY_STACK_NAME, {
          description: 'Off-site, immutable copy of the CockroachDB backups (example of the BackupCopyDestination construct)',
          env: { account: offsite.destinationAccount, region: offsite.destinationRegion },
        });
  const stack = new Stack(app, EXAMPLE_STACK_NAME, {
    description: 'Scheduled, verified, incremental CockroachDB backups to Amazon S3 (example of the CockroachBackup construct)',
    // Without the copy the stack stays environment-agnostic, as it always was.
    env: offsite === undefined ? undefined : { account: offsite.sourceAccount, region: offsite.sourceRegion },
  });

  const accessLogs = accessLogsBucket(stack);
  // Customer managed keys (Control Tower CT.S3.PR.10, CT.CLOUDWATCH.PR.3): one for the
  // backups, which CockroachDB's nodes use through the backup user, and one for the
  // Lambda's logs and the alarm notifications, which only AWS services use.
  const bucketKey = customerManagedKey(stack, 'BackupBucketKey', 'Encrypts the CockroachDB backups');
  const monitoringKey = customerManagedKey(stack, 'MonitoringKey', 'Encrypts the backup logs and alarm notifications');

  const rpoHours = contextString(app, 'rpoHours');
  if (rpoHours !== undefined && !(Number(rpoHours) > 0)) {
    throw new Error(`context rpoHours is '${rpoHours}': expected a positive number of hours`);
  }
  const timeZone = contextString(app, 'timeZone');
  const restoreDrill = contextString(app, 'restoreDrill') ?? 'false';
  if (restoreDrill !== 'true' && restoreDrill !== 'false') {
    throw new Error(`context restoreDrill is '${restoreDrill}': expected true or false`);
  }
  const retentionDays = contextString(app, 'retentionDays');
  if (retentionDays !== undefined && !/^[1-9]\d*$/.test(retentionDays)) {
    throw new Error(`context retentionDays is '${retentionDays}': expected a whole number of days`);
  }
  const collection = contextString(app, 'collection') ?? 'cluster-1';
  let copy: BackupCopyDestination | undefined;
  const copyAccessLogs = copyStack === undefined ? undefined : accessLogsBucket(copyStack);
  if (copyStack !== undefined && offsite !== undefined) {
    copy = new BackupCopyDestination(copyStack, 'Copy', {
      link: offsite,
      collection,
      retention: Duration.days(Number(retentionDays ?? DEFAULT_COPY_RETENTION_DAYS)),
      serverAccessLogsBucket: copyAccessLogs,
    });
    // Deploy order only, no reference: the copy first, so that the replication rule finds its bucket.
    stack.addStackDependency(copyStack, 'the replication rule needs the off-site copy bucket to exist');
  }
  // The copy keeps a window, so the primary keeps the same one (35 days unless retentionDays).
  const retention = retentionDays !== undefined || offsite !== undefined ? Duration.days(Number(retentionDays ?? DEFAULT_COPY_RETENTION_DAYS)) : undefined;
  const backup = new CockroachBackup(stack, 'Backup', {
    collection,
    storageCredentials: exampleCredentials(app, stack),
    timeZone: timeZone === undefined ? undefined : TimeZone.of(timeZone),
    rpo: rpoHours === undefined ? undefined : Duration.hours(Number(rpoHours)),
    bucketOptions: { encryptionKey: bucketKey, serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'backup-bucket/' },
    logEncryptionKey: monitoringKey,
    alarmTopicKey: monitoringKey,
    dashboard: true,
    restoreDrill: restoreDrill === 'true' ? {} : undefined,
    retention,
    offsiteCopy: offsite === undefined ? undefined : { link: offsite, drillFromCopy: restoreDrill === 'true' },
    // With the copy, the secrets get a key of their own and the SQL password rotates too (the
    // cluster setting sql.auth.change_own_password.enabled must be on: docs/password-rotation.md).
    secretsEncryptionKey: offsite === undefined ? undefined : customerManagedKey(stack, 'SecretsKey', 'Encrypts the backup access key and the SQL connection secret'),
    connectionPasswordRotation: offsite === undefined ? undefined : {},
  });
  // CT.LAMBDA.PR.3 (Lambda in a VPC), for each function the construct made.
  for (const [fn, why] of functionsOutsideVpc(backup)) {
    Validations.of(fn).acknowledge({ id: controlTowerRuleId('lambda_inside_vpc_check'), reason: `CT.LAMBDA.PR.3 (Lambda in a VPC): ${why}` });
  }
  if (copy !== undefined && copyAccessLogs !== undefined) acknowledgeRegulatedPacks({ backup, copy, accessLogBuckets: [accessLogs, copyAccessLogs] });
  // With retention the new bucket has Object Lock (docs/object-lock.md), and CT.S3.PR.9 passes.
  if (retention === undefined) {
    Validations.of(backup.bucket).acknowledge({
      id: controlTowerRuleId('s3_bucket_object_lock_enabled_check'),
      reason:
        'CT.S3.PR.9 (Object Lock): the example is meant to be deployed, tried and removed, and Object Lock cannot be ' +
        'turned off once a bucket has it. For production set retention, which turns it on for a new bucket, or ' +
        'bucketOptions.objectLock (docs/object-lock.md).',
    });
  }

  const alarmEmail = contextString(app, 'alarmEmail');
  if (alarmEmail !== undefined) {
    backup.alarmTopic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
  }
  return { app, stack, backup, copyStack, copy };
}

/** How long the example's copy keeps backups when `retentionDays` is not given. */
const DEFAULT_COPY_RETENTION_DAYS = 35;

/**
 * The off-site copy's link from the context, or undefined without `offsiteCopy=true`: the
 * primary in the CLI's account and region (placeholders without credentials), the copy in
 * `offsiteAccount` (same region) or, without it, in the partner region of the same account.
 */
function offsiteLink(app: App): OffsiteCopyLink | undefined {
  const enabled = contextString(app, 'offsiteCopy') ?? 'false';
  if (enabled !== 'true' && enabled !== 'false') throw new Error(`context offsiteCopy is '${enabled}': expected true or false`);
  const offsiteAccount = contextString(app, 'offsiteAccount');
  if (enabled === 'false') {
    if (offsiteAccount !== undefined) throw new Error(`context offsiteAccount is '${offsiteAccount}' without offsiteCopy=true: expected both, or neither`);
    return undefined;
  }
  if (offsiteAccount !== undefined && !/^\d{12}$/.test(offsiteAccount)) {
    throw new Error(`context offsiteAccount is '${offsiteAccount}': expected an AWS account id of 12 digits`);
  }
  const sourceAccount = process.env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT;
  const sourceRegion = process.env.CDK_DEFAULT_REGION ?? DEFAULT_PRIMARY_REGION;
  if (offsiteAccount === sourceAccount) {
    throw new Error(`context offsiteAccount is '${offsiteAccount}', the primary's own account: leave it out for a copy in another region of this account`);
  }
  const destinationAccount = offsiteAccount ?? sourceAccount;
  const destinationRegion = offsiteAccount !== undefined ? sourceRegion : (COPY_REGIONS[sourceRegion] ?? (sourceRegion === 'us-east-1' ? 'us-west-2' : 'us-east-1'));
  return {
    sourceAccount,
    sourceRegion,
    destinationAccount,
    destinationRegion,
    bucketName: `cockroach-backup-copy-${destinationAccount}-${destinationRegion}`,
    replicationRoleName: `CockroachBackupReplication-${destinationRegion}`,
  };
}

/**
 * A bucket for the server access logs of the stack's backup bucket: encrypted, TLS only, versioned,
 * logs kept a year. No access logs of its own: cdk-nag's AwsSolutions-S1 accepts a bucket that is
 * the server-access-log destination of another bucket in the stack.
 */
function accessLogsBucket(stack: Stack): s3.Bucket {
  const bucket = new s3.Bucket(stack, 'AccessLogsBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });
  acknowledgeAccessLogsBucket(bucket);
  return bucket;
}

/**
 * What Control Tower reports on the bucket that receives the backup bucket's server access
 * logs, and why each finding does not apply to a log destination.
 */
function acknowledgeAccessLogsBucket(bucket: s3.Bucket): void {
  Validations.of(bucket).acknowledge(
    {
      id: controlTowerRuleId('s3_bucket_logging_enabled_check'),
      reason: 'CT.S3.PR.2 (server access logging): this bucket is the access-log destination; logging it to itself would loop.',
    },
    {
      id: controlTowerRuleId('s3_bucket_default_encryption_kms_check'),
      reason: 'CT.S3.PR.10 (SSE-KMS): S3 server access log delivery supports only SSE-S3 on the destination bucket.',
    },
    {
      id: controlTowerRuleId('s3_bucket_object_lock_enabled_check'),
      reason:
        'CT.S3.PR.9 (Object Lock): a server access log destination may not have a default Object Lock retention, and ' +
        'its logs expire after a year by design.',
    },
    {
      id: controlTowerRuleId('s3_event_notifications_enabled_check'),
      reason: 'CT.S3.PR.4 (event notifications): nothing consumes events of access-log objects; they are read on demand.',
    },
  );
}

if (require.main === module) {
  buildApp().app.synth();
}
