import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { OBJECT_LOCK_WITH_RETENTION_WARNING } from '../../../lib/storage/backup-bucket';
import { constructionError, logicalId, synthBackup, Synthesized } from '../fixtures';

/** retention 35 days + one chain span (daily full backups: 1 day) + one span of margin. */
const WINDOW_DAYS = 37;

function bucketProperties({ template }: Synthesized): Record<string, unknown> {
  const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
  expect(buckets).toHaveLength(1);
  return buckets[0].Properties;
}

function noncurrentDays(synthesized: Synthesized): number {
  const rules = (bucketProperties(synthesized).LifecycleConfiguration as { Rules: { Id: string; NoncurrentVersionExpiration?: { NoncurrentDays: number } }[] }).Rules;
  return rules.find((rule) => rule.Id === 'ExpireNoncurrentVersions')!.NoncurrentVersionExpiration!.NoncurrentDays;
}

function objectLockWarnings(synthesized: Synthesized): unknown[] {
  return Annotations.fromStack(synthesized.stack).findWarning('*', Match.stringLikeRegexp(OBJECT_LOCK_WITH_RETENTION_WARNING));
}

describe('a new bucket with retention', () => {
  test('gets Object Lock GOVERNANCE for the retention window, and noncurrent versions go after a day', () => {
    const synthesized = synthBackup({ retention: Duration.days(35) });
    expect(bucketProperties(synthesized)).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: WINDOW_DAYS } } },
    });
    expect(noncurrentDays(synthesized)).toBe(1);
  });

  test('warns once that turning the lock on replaces a bucket deployed without it, until the choice is explicit', () => {
    expect(objectLockWarnings(synthBackup({ retention: Duration.days(35) }))).toHaveLength(1);
    const chosen = synthBackup({ retention: Duration.days(35), bucketOptions: { objectLockFollowsRetention: true } });
    expect(objectLockWarnings(chosen)).toEqual([]);
    expect(bucketProperties(chosen)).toMatchObject({ ObjectLockEnabled: true });
  });

  test('without the lock (objectLockFollowsRetention false) keeps noncurrent versions for the whole window', () => {
    const synthesized = synthBackup({ retention: Duration.days(35), bucketOptions: { objectLockFollowsRetention: false } });
    expect(bucketProperties(synthesized)).not.toHaveProperty('ObjectLockEnabled');
    expect(bucketProperties(synthesized)).not.toHaveProperty('ObjectLockConfiguration');
    expect(noncurrentDays(synthesized)).toBe(WINDOW_DAYS);
    expect(objectLockWarnings(synthesized)).toEqual([]);
  });

  test('keeps an explicit objectLock, and refuses objectLockFollowsRetention next to it', () => {
    const compliance = { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(60) };
    expect(bucketProperties(synthBackup({ retention: Duration.days(35), bucketOptions: { objectLock: compliance } }))).toMatchObject({
      ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 60 } } },
    });
    expect(constructionError({ retention: Duration.days(35), bucketOptions: { objectLock: compliance, objectLockFollowsRetention: false } })).toBe(
      'TestStack/Backup: bucketOptions.objectLockFollowsRetention is false: expected to be left unset together with objectLock, which already decides the lock',
    );
  });
});

describe('every new bucket', () => {
  test.each([
    ['without retention', {}],
    ['with retention', { retention: Duration.days(35) }],
  ])('%s refuses uploads with customer-provided keys (SSE-C), in its encryption settings and by policy', (_name, props) => {
    const synthesized = synthBackup(props);
    expect(bucketProperties(synthesized)).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } }] },
    });
    synthesized.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenyCustomerProvidedKeys',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:PutObject',
            Condition: { Null: { 's3:x-amz-server-side-encryption-customer-algorithm': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('upgrading a deployed stack (cdk diff)', () => {
  // The bucket's logical id since the first release: a changed id would replace the bucket.
  const BUCKET_LOGICAL_ID = 'BackupBucketBC94E555';
  /** Properties whose change makes CloudFormation replace an AWS::S3::Bucket (its resource reference). */
  const REPLACING = ['BucketName', 'BucketNamePrefix', 'ObjectLockEnabled'];

  test.each([
    ['the default props', {}],
    ['retention added with objectLockFollowsRetention false', { retention: Duration.days(35), bucketOptions: { objectLockFollowsRetention: false } }],
  ])('with %s keeps the bucket and sets no property that replaces it', (_name, props) => {
    const synthesized = synthBackup(props);
    expect(logicalId(synthesized.stack, synthesized.backup.bucket)).toBe(BUCKET_LOGICAL_ID);
    const properties = bucketProperties(synthesized);
    for (const name of REPLACING) expect(properties).not.toHaveProperty(name);
    expect(noncurrentDays(synthesized)).toBe('retention' in props ? WINDOW_DAYS : 90);
  });
});
