import { Annotations as CoreAnnotations, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { BackupRetention, CockroachBackup, CockroachBackupProps } from '../../../lib';
import { RETENTION_NOT_SET_WARNING } from '../../../lib/storage/backup-retention';
import { retentionWindow } from '../../../lib/storage/retention-window';
import { appWithoutBundling, constructionError, synthBackup } from '../fixtures';

/** The bucket's lifecycle rules, by id. */
function lifecycleRules(template: Template): Record<string, Record<string, unknown>> {
  const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
  expect(buckets).toHaveLength(1);
  const rules = buckets[0].Properties.LifecycleConfiguration.Rules as Record<string, unknown>[];
  return Object.fromEntries(rules.map((rule) => [rule.Id as string, rule]));
}

describe('retentionWindow', () => {
  test.each([
    ['daily fulls, hourly incrementals (the defaults)', Duration.days(1), Duration.hours(1), 48, 1, 37],
    ['weekly fulls, hourly incrementals, maxIncrementals 48: a chain ends after 49 hours', Duration.days(7), Duration.hours(1), 48, 3, 41],
    ['weekly fulls, daily incrementals', Duration.days(7), Duration.days(1), 48, 7, 49],
    ['a full schedule that cannot be read: maxIncrementals bounds the chain', undefined, Duration.hours(1), 23, 1, 37],
  ])('%s', (_name, fullInterval, runInterval, maxIncrementals, span, expiration) => {
    const window = retentionWindow({ retention: Duration.days(35), fullInterval, runInterval, maxIncrementals });
    expect(window).toEqual({ retentionDays: 35, chainSpanDays: span, marginDays: span, expirationDays: expiration });
  });
});

describe('retention', () => {
  test('expires the collection (prefix ending in a slash) at retention + chain span + margin, and its delete markers', () => {
    const rules = lifecycleRules(synthBackup({ retention: Duration.days(35) }, 'prod/c1').template);
    expect(rules.ExpireBackupChains).toEqual({ Id: 'ExpireBackupChains', Status: 'Enabled', Prefix: 'prod/c1/', ExpirationInDays: 37 });
    expect(rules.RemoveExpiredDeleteMarkers).toEqual({ Id: 'RemoveExpiredDeleteMarkers', Status: 'Enabled', Prefix: 'prod/c1/', ExpiredObjectDeleteMarker: true });
  });

  test('shortens the noncurrent versions to 1 day unless they are set, and keeps aborting incomplete uploads', () => {
    const rules = lifecycleRules(synthBackup({ retention: Duration.days(35) }).template);
    expect(rules.ExpireNoncurrentVersions).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 1 } });
    expect(rules.AbortIncompleteMultipartUploads).toMatchObject({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } });
    const chosen = lifecycleRules(synthBackup({ retention: Duration.days(35), bucketOptions: { noncurrentVersionExpiration: Duration.days(5) } }).template);
    expect(chosen.ExpireNoncurrentVersions).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 5 } });
  });

  test('follows the schedules: weekly fulls with daily incrementals keep chains 7 days', () => {
    const rules = lifecycleRules(
      synthBackup({
        retention: Duration.days(90),
        fullSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2', weekDay: 'SUN' }),
        incrementalSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3' }),
      }).template,
    );
    expect(rules.ExpireBackupChains.ExpirationInDays).toBe(104);
  });

  test('adds transitions to classes CockroachDB reads directly', () => {
    const rules = lifecycleRules(
      synthBackup({
        retention: Duration.days(90),
        retentionTransitions: [
          { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
          { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(60) },
        ],
      }).template,
    );
    expect(rules.ExpireBackupChains.Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 60 },
    ]);
  });

  test.each([
    [s3.StorageClass.GLACIER, 'S3 Glacier Flexible Retrieval'],
    [s3.StorageClass.DEEP_ARCHIVE, 'S3 Glacier Deep Archive'],
  ])('fails for an archive class (%s), naming why', (storageClass, name) => {
    const message = constructionError({ retention: Duration.days(90), retentionTransitions: [{ storageClass, transitionAfter: Duration.days(40) }] });
    expect(message).toContain(`retentionTransitions[0].storageClass is ${name}: expected S3 Standard-IA or S3 Glacier Instant Retrieval`);
    expect(message).toContain('InvalidObjectState until a RestoreObject request');
  });

  test.each([
    ['Standard-IA before 30 days', [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(20) }], 'retentionTransitions[0].transitionAfter is 20 days: expected whole days from 30'],
    ['a move at or after the expiry', [{ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(37) }], 'to 36, before the collection expires at 37 days'],
    ['One Zone-IA', [{ storageClass: s3.StorageClass.ONE_ZONE_INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }], 'storageClass is ONEZONE_IA: expected s3.StorageClass.INFREQUENT_ACCESS'],
    [
      'Glacier IR less than 30 days after Standard-IA',
      [
        { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
        { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(31) },
      ],
      'retentionTransitions[1].transitionAfter is 31 days: expected whole days from 60',
    ],
  ])('fails for %s', (_name, retentionTransitions, expected) => {
    expect(constructionError({ retention: Duration.days(35), retentionTransitions })).toContain(expected);
  });

  test('fails for transitions without retention', () => {
    expect(constructionError({ retentionTransitions: [] })).toBe(
      'TestStack/Backup: retentionTransitions is set without retention: expected retention to be set as well: transitions belong to its rule',
    );
  });

  test.each([
    [Duration.hours(36), '1 day 12 hours'],
    [Duration.days(0), '0 days'],
  ])('fails for a retention that is not a positive whole number of days (%s)', (retention, shown) => {
    expect(constructionError({ retention })).toBe(
      `TestStack/Backup: retention is ${shown}: expected a whole number of days from 1 to 36500 (S3 lifecycle rules count days)`,
    );
  });

  test('refuses an existing bucket, giving the exact rule to add', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'my-backups');
    expect(() => new CockroachBackup(stack, 'Backup', { collection: 'prod/c1', bucket, retention: Duration.days(35) })).toThrow(
      'TestStack/Backup: retention is 35 days with an existing bucket: expected a bucket this construct creates: it cannot own the lifecycle of a bucket it ' +
        "was given. Leave retention unset and add this rule to the bucket's LifecycleConfiguration yourself: " +
        '{"Id":"ExpireBackupChains","Status":"Enabled","Prefix":"prod/c1/","ExpirationInDays":37}',
    );
  });

  test('BackupRetention.lifecycleRule gives the rule the construct would create', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const own = new s3.Bucket(stack, 'Own', { versioned: true });
    own.addLifecycleRule(BackupRetention.lifecycleRule({ collection: 'prod/c1', retention: Duration.days(35) }));
    const created = lifecycleRules(synthBackup({ retention: Duration.days(35) }, 'prod/c1').template);
    expect(lifecycleRules(Template.fromStack(stack))).toEqual({ ExpireBackupChains: created.ExpireBackupChains });
  });
});

describe('without retention', () => {
  const warnings = (props: Partial<CockroachBackupProps>) =>
    Annotations.fromStack(synthBackup(props).stack).findWarning('*', Match.stringLikeRegexp('retention is not set'));

  test('a construct that creates its bucket warns once, with an id --strict users can acknowledge', () => {
    const found = warnings({});
    expect(found).toHaveLength(1);
    expect(found[0].entry.data).toContain(`[ack: ${RETENTION_NOT_SET_WARNING}]`);
    expect(found[0].id).toBe('/TestStack/Backup');
  });

  test('an acknowledged warning is gone', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/c1' });
    CoreAnnotations.of(backup).acknowledgeWarning(RETENTION_NOT_SET_WARNING, 'we keep every backup');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('retention is not set'))).toHaveLength(0);
  });

  test('no warning with retention, nor with a bucket the construct was given', () => {
    expect(warnings({ retention: Duration.days(35) })).toHaveLength(0);
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    new CockroachBackup(stack, 'Backup', { collection: 'prod/c1', bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'my-backups') });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('retention is not set'))).toHaveLength(0);
  });

  test('the bucket has no expiry of current versions', () => {
    const rules = lifecycleRules(synthBackup().template);
    expect(Object.keys(rules)).toEqual(['ExpireNoncurrentVersions', 'AbortIncompleteMultipartUploads']);
  });
});

describe('cdk diff when retention is added or changed', () => {
  type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  const resources = (props: Partial<CockroachBackupProps>): Resources => synthBackup(props).template.toJSON().Resources as Resources;

  /** Per logical id kept: the top-level properties that differ. */
  function changedProperties(before: Resources, after: Resources): Record<string, string[]> {
    const changed: Record<string, string[]> = {};
    for (const [id, resource] of Object.entries(before)) {
      const next = after[id];
      expect(next?.Type).toBe(resource.Type);
      const keys = new Set([...Object.keys(resource.Properties ?? {}), ...Object.keys(next.Properties ?? {})]);
      const differing = [...keys].filter((key) => JSON.stringify(resource.Properties?.[key]) !== JSON.stringify(next.Properties?.[key]));
      if (differing.length > 0) changed[`${resource.Type} ${id.replace(/[0-9A-F]{8}$/, '')}`] = differing.sort();
    }
    return changed;
  }

  const added = (before: Resources, after: Resources): string[] =>
    Object.keys(after)
      .filter((id) => !(id in before))
      .map((id) => `${after[id].Type} ${id.replace(/[0-9A-F]{8}$/, '')}`)
      .sort();

  test('retention added to a deployed bucket (Object Lock kept off): nothing replaced or removed; the bucket lifecycle, the function environment and role policy change, the promise parameter and the window alarm are added', () => {
    const before = resources({});
    // Turning Object Lock on would replace a deployed bucket: objectLockFollowsRetention false keeps it off (primary-protection.test.ts).
    const after = resources({ retention: Duration.days(35), bucketOptions: { objectLockFollowsRetention: false } });
    expect(changedProperties(before, after)).toEqual({
      'AWS::S3::Bucket BackupBucket': ['LifecycleConfiguration'],
      'AWS::Lambda::Function BackupFunction': ['Environment'],
      // The follow function reads the same settings (RETENTION_* too), the same way.
      'AWS::Lambda::Function BackupFollowFunction': ['Environment'],
      'AWS::IAM::Policy BackupFunctionRoleDefaultPolicy': ['PolicyDocument'],
    });
    expect(added(before, after)).toEqual(['AWS::CloudWatch::Alarm BackupMonitoringRetentionWindowAlarm', 'AWS::SSM::Parameter BackupRetentionPromise']);
  });

  test.each([
    ['changed', { retention: Duration.days(35) }, { retention: Duration.days(90) }],
    ['given transitions', { retention: Duration.days(90) }, { retention: Duration.days(90), retentionTransitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }] }],
  ])('retention %s: same logical ids, nothing replaced; only the values that carry the window change', (name, before, after) => {
    const a = resources(before as Partial<CockroachBackupProps>);
    const b = resources(after as Partial<CockroachBackupProps>);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    const expected: Record<string, string[]> =
      name === 'changed'
        ? {
            // Object Lock's default retention follows the window, in place.
            'AWS::S3::Bucket BackupBucket': ['LifecycleConfiguration', 'ObjectLockConfiguration'],
            'AWS::Lambda::Function BackupFunction': ['Environment'],
            'AWS::Lambda::Function BackupFollowFunction': ['Environment'],
            'AWS::SSM::Parameter BackupRetentionPromise': ['Description', 'Value'],
            'AWS::CloudWatch::Alarm BackupMonitoringRetentionWindowAlarm': ['AlarmDescription'],
          }
        : { 'AWS::S3::Bucket BackupBucket': ['LifecycleConfiguration'] };
    expect(changedProperties(a, b)).toEqual(expected);
  });
});

describe('the window alarm and the promise parameter', () => {
  test('the alarm fires on any shortfall of the window, missing data not breaching, and notifies the alarm topic', () => {
    synthBackup({ retention: Duration.days(35) }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [{ Ref: Match.stringLikeRegexp('BackupMonitoringAlarmTopic') }],
      OKActions: [{ Ref: Match.stringLikeRegexp('BackupMonitoringAlarmTopic') }],
      MetricName: 'RetentionShortfallSeconds',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the Lambda gets the promise in seconds and may only read the parameter', () => {
    const { template, backup } = synthBackup({ retention: Duration.days(35) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RETENTION_SECONDS: String(35 * 86400), RETENTION_PARAMETER: { Ref: Match.stringLikeRegexp('BackupRetentionPromise') } }) },
    });
    expect(backup.retentionWindowAlarm).toBeDefined();
    // The backup function's own policy (the follow function puts its own parameter, FollowState).
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BackupFunctionRole') }] } }));
    expect(policies).toContain('ssm:GetParameter');
    expect(policies).not.toContain('ssm:PutParameter');
  });

  test('without retention the Lambda environment has no retention variable', () => {
    const { template, backup } = synthBackup();
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('RETENTION_SECONDS');
    expect(backup.retentionWindowAlarm).toBeUndefined();
  });
});

describe('restoreDrill.oldestInWindow', () => {
  test('tells the Lambda to drill the oldest point of the window', () => {
    synthBackup({ retention: Duration.days(35), restoreDrill: { oldestInWindow: true } }).template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DRILL_OLDEST_IN_WINDOW: 'true' }) },
    });
  });

  test('fails without retention', () => {
    expect(constructionError({ restoreDrill: { oldestInWindow: true } })).toBe(
      'TestStack/Backup: restoreDrill.oldestInWindow is true without retention: expected retention to be set: the oldest point of the window is now minus retention',
    );
  });
});
