import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { CockroachBackup } from '../../../lib';
import { controlTowerRuleId } from '../../../lib/nag';
import { constructionError, synthBackup } from '../fixtures';
import { findingsOf, synthPluginReports } from '../policy/policy-findings';

const governance30 = { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetention: Duration.days(30) };

describe('bucketOptions.objectLock', () => {
  test('is off by default', () => {
    synthBackup().template.hasResourceProperties('AWS::S3::Bucket', { ObjectLockEnabled: Match.absent(), ObjectLockConfiguration: Match.absent() });
  });

  test.each([
    [s3.ObjectLockMode.GOVERNANCE, 30],
    [s3.ObjectLockMode.COMPLIANCE, 365],
  ])('turns on Object Lock in %s mode with a default retention of %i days, on a versioned bucket', (mode, days) => {
    synthBackup({ bucketOptions: { objectLock: { mode, defaultRetention: Duration.days(days) } } }).template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: mode, Days: days } } },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('gives the backup user no Object Lock permission: uploads take the default retention, nobody needs to bypass it', () => {
    const { template } = synthBackup({ bucketOptions: { objectLock: governance30 } });
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('s3:PutObject');
    expect(policies).not.toMatch(/Retention|LegalHold|ObjectLock|s3:Delete/);
  });

  test('fails if the retention is not a whole number of days', () => {
    expect(constructionError({ bucketOptions: { objectLock: { ...governance30, defaultRetention: Duration.hours(36) } } })).toBe(
      'TestStack/Backup: bucketOptions.objectLock.defaultRetention is 1 day 12 hours: expected a whole number of days (S3 retention counts days)',
    );
  });

  test('fails if the retention is shorter than a day', () => {
    expect(constructionError({ bucketOptions: { objectLock: { ...governance30, defaultRetention: Duration.hours(12) } } })).toMatch(
      /^TestStack\/Backup: bucketOptions\.objectLock\.defaultRetention is 43200 seconds \(12 hours\): expected a duration from 1 day to 36500 days$/,
    );
  });

  test('fails if the retention is longer than S3 allows (36500 days)', () => {
    expect(constructionError({ bucketOptions: { objectLock: { ...governance30, defaultRetention: Duration.days(36501) } } })).toMatch(
      /defaultRetention is .*: expected a duration from 1 day to 36500 days$/,
    );
  });

  test('fails with a mode S3 does not know', () => {
    const objectLock = { mode: 'WORM' as s3.ObjectLockMode, defaultRetention: Duration.days(30) };
    expect(constructionError({ bucketOptions: { objectLock } })).toBe(
      'TestStack/Backup: bucketOptions.objectLock.mode is "WORM": expected s3.ObjectLockMode.GOVERNANCE or s3.ObjectLockMode.COMPLIANCE',
    );
  });

  test('fails together with an existing bucket (Object Lock cannot be set on a bucket this construct does not create)', () => {
    const stack = new Stack();
    expect(constructionError({ bucket: s3.Bucket.fromBucketName(stack, 'B', 'existing-backups'), bucketOptions: { objectLock: governance30 } })).toMatch(
      /bucketOptions is set together with bucket \(options: objectLock\)/,
    );
  });

  test("satisfies Control Tower's CT.S3.PR.9 on the backup bucket, which is reported without it", () => {
    const objectLockFindings = (withLock: boolean) =>
      findingsOf(
        synthPluginReports((outdir) => {
          const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
          Validations.of(app).addPlugins(new CfnGuardValidator());
          const stack = new Stack(app, 'LockStack');
          new CockroachBackup(stack, 'Backup', { collection: 'c', bucketOptions: withLock ? { objectLock: governance30 } : undefined });
          return app;
        }),
      ).filter((f) => f.id === controlTowerRuleId('s3_bucket_object_lock_enabled_check'));
    expect(objectLockFindings(false).map((f) => f.path)).toEqual(['LockStack/Backup/Bucket/Resource']);
    expect(objectLockFindings(true)).toEqual([]);
  });
});
