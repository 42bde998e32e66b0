#!/usr/bin/env node
import { App, Duration, RemovalPolicy, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CockroachBackup } from '../lib';

/** The example stack's name (`cdk deploy CockroachBackupExample`). */
export const EXAMPLE_STACK_NAME = 'CockroachBackupExample';

/**
 * Context keys the example app reads (`cdk.json` or `-c key=value`):
 * - `collection`: key prefix of the backups in the bucket (default `cluster-1`);
 * - `timeZone`: IANA time zone of the schedules, e.g. `Europe/Berlin` (default `Etc/UTC`);
 * - `alarmEmail`: an address subscribed to the alarm topic (default: none);
 * - `rpoHours`: the recovery point objective in hours (default: twice the incremental interval).
 */
export interface ExampleContext {
  readonly collection?: string;
  readonly timeZone?: string;
  readonly alarmEmail?: string;
  readonly rpoHours?: string;
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

/**
 * Builds the example app: one stack with a `CockroachBackup` writing to a new bucket
 * whose server access logs go to a second bucket, checked by cdk-nag's AwsSolutions
 * pack. Tests call this to synthesize exactly what `cdk synth` synthesizes.
 */
export function buildApp(options: BuildOptions = {}): ExampleApp {
  // Version reporting off: the CDK metadata resource would change with every library
  // upgrade and is not something the example needs (cdk.json says the same for the CLI).
  // Feature flags live here rather than in cdk.json, so that tests, which call this
  // function without the CLI, synthesize the same template as `cdk synth`.
  const app = new App({ context: { ...options.context }, postCliContext: FEATURE_FLAGS, outdir: options.outdir, analyticsReporting: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stack = new Stack(app, EXAMPLE_STACK_NAME, {
    description: 'Scheduled, verified, incremental CockroachDB backups to Amazon S3 (example of the CockroachBackup construct)',
  });

  const accessLogs = new s3.Bucket(stack, 'AccessLogsBucket', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    // No access logs of its own: cdk-nag's AwsSolutions-S1 accepts a bucket that is the
    // server-access-log destination of another bucket in the stack.
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });

  const rpoHours = contextString(app, 'rpoHours');
  if (rpoHours !== undefined && !(Number(rpoHours) > 0)) {
    throw new Error(`context rpoHours is '${rpoHours}': expected a positive number of hours`);
  }
  const timeZone = contextString(app, 'timeZone');
  const backup = new CockroachBackup(stack, 'Backup', {
    collection: contextString(app, 'collection') ?? 'cluster-1',
    timeZone: timeZone === undefined ? undefined : TimeZone.of(timeZone),
    rpo: rpoHours === undefined ? undefined : Duration.hours(Number(rpoHours)),
    bucketOptions: { serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'backup-bucket/' },
    dashboard: true,
  });

  const alarmEmail = contextString(app, 'alarmEmail');
  if (alarmEmail !== undefined) {
    backup.alarmTopic.addSubscription(new subscriptions.EmailSubscription(alarmEmail));
  }
  return { app, stack, backup };
}

if (require.main === module) {
  buildApp().app.synth();
}
