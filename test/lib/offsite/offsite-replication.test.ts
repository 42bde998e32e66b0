import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackupKeySource, CockroachBackup, CockroachBackupProps, StorageCredentials } from '../../../lib';
import { ENV } from '../../../contract/environment';
import { COPY_READER_TAG_KEY } from '../../../lib/offsite/offsite-link';
import { appWithoutBundling, logicalId } from '../fixtures';
import { errorOf, LINK, SAME_ACCOUNT_LINK, twoSides } from './fixtures';

const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

function sourceStack(): Stack {
  return new Stack(appWithoutBundling(), 'SourceStack', { env: { account: LINK.sourceAccount, region: LINK.sourceRegion } });
}

function backupIn(stack: Stack, props: Partial<CockroachBackupProps>): CockroachBackup {
  return new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', retention: Duration.days(35), ...props });
}

function replicationRule(template: Template): Record<string, unknown> {
  const bucket = Object.values(template.findResources('AWS::S3::Bucket'))[0];
  return (bucket.Properties.ReplicationConfiguration as { Rules: Record<string, unknown>[] }).Rules[0];
}

describe('offsiteCopy on the source side', () => {
  const { sourceTemplate: template, backup, sourceStack: stack } = twoSides(LINK, { bucketOptions: { encryptionKey: undefined } });

  test('replicates the collection prefix (trailing slash), objects not deletes, with metrics, to the copy bucket, owned by the copy account', () => {
    expect(replicationRule(template)).toEqual({
      Id: 'OffsiteCopy',
      Priority: 0,
      Status: 'Enabled',
      Filter: { Prefix: 'prod/cluster-1/' },
      DeleteMarkerReplication: { Status: 'Disabled' },
      SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
      Destination: {
        Bucket: partitionArn(`:s3:::${LINK.bucketName}`),
        Account: LINK.destinationAccount,
        AccessControlTranslation: { Owner: 'Destination' },
        EncryptionConfiguration: { ReplicaKmsKeyID: partitionArn(`:kms:eu-central-1:222222222222:alias/${LINK.bucketName}`) },
        Metrics: { Status: 'Enabled' },
      },
    });
  });

  test('uses no Replication Time Control (the metrics it alarms on need none, and RTC costs per GB)', () => {
    expect(JSON.stringify(replicationRule(template))).not.toMatch(/ReplicationTime|EventThreshold/);
  });

  test('in the same account, names no account and changes no ownership', () => {
    const { sourceTemplate } = twoSides(SAME_ACCOUNT_LINK);
    const destination = replicationRule(sourceTemplate).Destination as Record<string, unknown>;
    expect(destination.Account).toBeUndefined();
    expect(destination.AccessControlTranslation).toBeUndefined();
  });

  test('adds the rule without replacing the bucket: same logical id, and CloudFormation updates ReplicationConfiguration in place', () => {
    const withCopy = logicalId(stack, backup.bucket as s3.Bucket);
    const plain = sourceStack();
    const without = backupIn(plain, {});
    expect(logicalId(plain, without.bucket as s3.Bucket)).toBe(withCopy);
    expect(Object.values(Template.fromStack(plain).findResources('AWS::S3::Bucket'))[0].Properties.ReplicationConfiguration).toBeUndefined();
  });

  test('creates the replication role with the fixed name, trusted by S3 (as the S3 User Guide trusts it)', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: LINK.replicationRoleName,
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' } }] },
    });
    expect(backup.replicationRole).toBeDefined();
  });

  test("names the copy's key by alias in the role's policy, through S3 of the copy's region only", () => {
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'EncryptWithTheCopysKeyThroughS3',
            Effect: 'Allow',
            Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
            Resource: partitionArn(':kms:eu-central-1:222222222222:key/*'),
            Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [`alias/${LINK.bucketName}`] }, StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
          },
        ]),
      },
    });
  });

  test('with a KMS bucket key the role may decrypt it through S3 of the source region', () => {
    const stack = sourceStack();
    backupIn(stack, { bucketOptions: { encryptionKey: new kms.Key(stack, 'Key') }, offsiteCopy: { link: LINK } });
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toContain('"Sid":"DecryptTheCollectionThroughS3"');
    expect(policies).toContain('s3.eu-west-1.amazonaws.com');
  });

  test('alarms on failed replications and on latency over the threshold, with the rule\'s dimensions, to the alarm topic; missing data is not breaching', () => {
    const dimensions = [
      { Name: 'DestinationBucket', Value: LINK.bucketName },
      { Name: 'RuleId', Value: 'OffsiteCopy' },
      { Name: 'SourceBucket', Value: { Ref: logicalId(stack, backup.bucket as s3.Bucket) } },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Dimensions: Match.arrayEquals(dimensions),
      AlarmActions: [Match.anyValue()],
      OKActions: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ReplicationLatency',
      Statistic: 'Maximum',
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(backup.replicationFailedAlarm?.node.path).toBe('SourceStack/Backup/Monitoring/ReplicationFailedAlarm');
    expect(backup.replicationLatencyAlarm?.node.path).toBe('SourceStack/Backup/Monitoring/ReplicationLatencyAlarm');
  });

  test('puts the replication metrics and alarms on the dashboard', () => {
    const stack = sourceStack();
    backupIn(stack, { dashboard: true, offsiteCopy: { link: LINK, replicationLatencyThreshold: Duration.minutes(30) } });
    const body = JSON.stringify(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('OperationsFailedReplication');
    expect(body).toContain('Off-site copy alarms');
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReplicationLatency', Threshold: 1800 });
  });

  test('without drillFromCopy, the drills keep reading the primary: no copy variables, no tag, no read of the copy', () => {
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain(ENV.drillCopyBucketName);
    expect(json).not.toContain(COPY_READER_TAG_KEY);
    expect(json).not.toContain('ReadTheOffsiteCopy');
  });
});

describe('offsiteCopy.drillFromCopy', () => {
  test('sets the two contract variables, tags the backup user as a copy reader and gives its policy read on the copy', () => {
    const { sourceTemplate: template } = twoSides(LINK, { restoreDrill: {}, offsiteCopy: { link: LINK, drillFromCopy: true } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.drillCopyBucketName]: LINK.bucketName, [ENV.drillCopyBucketRegion]: LINK.destinationRegion }) },
    });
    template.hasResourceProperties('AWS::IAM::User', { Tags: [{ Key: COPY_READER_TAG_KEY, Value: LINK.bucketName }] });
    const policy = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    for (const sid of ['ReadTheOffsiteCopy', 'ListTheOffsiteCopy', 'DecryptTheOffsiteCopyThroughS3']) expect(policy).toContain(`"Sid":"${sid}"`);
  });

  test('with backupKeySource, reads of the copy are denied from elsewhere too (a leaked key cannot read the copy from outside)', () => {
    const { sourceTemplate: template } = twoSides(LINK, {
      restoreDrill: {},
      backupKeySource: BackupKeySource.ipAddresses(['203.0.113.0/24']),
      offsiteCopy: { link: LINK, drillFromCopy: true },
    });
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).find((p) => JSON.stringify(p).includes('DenyBackupFilesFromElsewhere'))!;
    const deny = (policy.Properties.PolicyDocument.Statement as { Sid?: string; Resource: unknown[] }[]).find((s) => s.Sid === 'DenyBackupFilesFromElsewhere')!;
    expect(deny.Resource).toHaveLength(2);
    expect(JSON.stringify(deny.Resource[1])).toContain(`:s3:::${LINK.bucketName}/prod/cluster-1/*`);
  });

  test('tags the new BackupRole in keyless modes', () => {
    const { sourceTemplate: template } = twoSides(LINK, { restoreDrill: {}, storageCredentials: StorageCredentials.implicit(), offsiteCopy: { link: LINK, drillFromCopy: true } });
    template.hasResourceProperties('AWS::IAM::Role', { Tags: [{ Key: COPY_READER_TAG_KEY, Value: LINK.bucketName }] });
  });

  test("warns when the nodes' role is imported and cannot be tagged here", () => {
    const stack = sourceStack();
    const nodeRole = iam.Role.fromRoleArn(stack, 'Nodes', 'arn:aws:iam::111111111111:role/crdb-nodes');
    backupIn(stack, { restoreDrill: {}, storageCredentials: StorageCredentials.implicit({ nodeRole }), offsiteCopy: { link: LINK, drillFromCopy: true } });
    Annotations.fromStack(stack).hasWarning('/SourceStack/Backup', Match.stringLikeRegexp(`Tag it yourself with ${COPY_READER_TAG_KEY}=${LINK.bucketName}`));
  });

  test('fails without restoreDrill', () => {
    expect(errorOf(() => backupIn(sourceStack(), { offsiteCopy: { link: LINK, drillFromCopy: true } }))).toBe(
      'SourceStack/Backup: offsiteCopy.drillFromCopy is true without restoreDrill: expected restoreDrill to be set as well: drillFromCopy chooses where the drills read',
    );
  });
});

describe('offsiteCopy validation', () => {
  test('fails with an existing bucket, pointing to the docs', () => {
    const stack = sourceStack();
    expect(errorOf(() => backupIn(stack, { retention: undefined, bucket: s3.Bucket.fromBucketName(stack, 'Mine', 'my-bucket'), offsiteCopy: { link: LINK } }))).toBe(
      'SourceStack/Backup: offsiteCopy is set with an existing bucket: expected a bucket this construct creates: it cannot own the replication configuration of a bucket it was given (docs/offsite-copy.md, "The replication rule")',
    );
  });

  test('fails in a stack of another region than the link names', () => {
    const stack = new Stack(appWithoutBundling(), 'SourceStack', { env: { account: LINK.sourceAccount, region: 'us-east-1' } });
    expect(errorOf(() => backupIn(stack, { offsiteCopy: { link: LINK } }))).toBe(
      'SourceStack/Backup: offsiteCopy.link.sourceRegion is "eu-west-1": expected the region of the stack of the source side (us-east-1)',
    );
  });

  test.each([
    [Duration.minutes(1), /replicationLatencyThreshold is .*: expected a duration from 5 minutes to 1 day/],
    [Duration.seconds(330), /replicationLatencyThreshold is 5 minutes 30 seconds: expected whole minutes/],
  ])('fails with a latency threshold of %s', (threshold, message) => {
    expect(errorOf(() => backupIn(sourceStack(), { offsiteCopy: { link: LINK, replicationLatencyThreshold: threshold } }))).toMatch(message);
  });
});
