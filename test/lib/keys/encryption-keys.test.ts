import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CockroachBackup, CockroachBackupProps } from '../../../lib';
import { appWithoutBundling, constructionError, logicalId } from '../fixtures';

interface WithKey {
  readonly stack: Stack;
  readonly keyId: string;
  readonly template: Template;
}

/** A stack with one customer managed key 'Key', given to the construct through `props(key)`. */
function withKey(props: (key: kms.IKey) => Partial<CockroachBackupProps>): WithKey {
  const stack = new Stack(appWithoutBundling(), 'KeyStack');
  const key = new kms.Key(stack, 'Key');
  new CockroachBackup(stack, 'Backup', { collection: 'c', ...props(key) });
  return { stack, keyId: logicalId(stack, key), template: Template.fromStack(stack) };
}

const logGroupsOfThisAccount = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']],
};
const logsServiceOfThisRegion = { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } };

describe('logEncryptionKey', () => {
  test("encrypts the Lambda's log group with the given key", () => {
    const { template, keyId } = withKey((key) => ({ logEncryptionKey: key }));
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test("lets this region's CloudWatch Logs use the key, only for log groups of this account", () => {
    const { template, keyId } = withKey((key) => ({ logEncryptionKey: key }));
    const key = template.findResources('AWS::KMS::Key')[keyId];
    expect(key.Properties.KeyPolicy.Statement).toContainEqual({
      Sid: 'AllowCloudWatchLogsOfThisAccount',
      Effect: 'Allow',
      Principal: logsServiceOfThisRegion,
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupsOfThisAccount } },
    });
  });

  test('leaves the log group without a key by default', () => {
    const { template } = withKey(() => ({}));
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.absent() });
  });

  test('warns with the statement to add when the key is imported and its policy cannot be changed', () => {
    const stack = new Stack(appWithoutBundling(), 'ImportedKeyStack');
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new CockroachBackup(stack, 'Backup', { collection: 'c', logEncryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: key.keyArn });
    Annotations.fromStack(stack).hasWarning(
      '/ImportedKeyStack/Backup',
      Match.stringLikeRegexp('key policy was not changed: CloudWatch Logs needs it .*kms:EncryptionContext:aws:logs:arn'),
    );
  });
});

describe('alarmTopicKey', () => {
  test('encrypts the new alarm topic with the key given to the log group as well, and creates no key of its own', () => {
    const { template, keyId } = withKey((key) => ({ logEncryptionKey: key, alarmTopicKey: key }));
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(Object.keys(template.findResources('AWS::KMS::Key'))).toEqual([keyId]);
  });

  test('lets CloudWatch alarms and CloudWatch Logs both use the shared key', () => {
    const { template, keyId } = withKey((key) => ({ logEncryptionKey: key, alarmTopicKey: key }));
    const statements = template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement;
    expect(statements).toContainEqual({
      Sid: 'AllowCloudWatchAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
      },
    });
    expect(statements.map((s: { Sid?: string }) => s.Sid)).toContain('AllowCloudWatchLogsOfThisAccount');
  });

  test('keeps the default: a new rotating AlarmTopicKey for the topic when no key is given', () => {
    const { template, keyId, stack } = withKey(() => ({}));
    const keys = Object.keys(template.findResources('AWS::KMS::Key')).filter((id) => id !== keyId);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^BackupMonitoringAlarmTopicKey/);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keys[0], 'Arn'] } });
    expect(stack.node.tryFindChild('Backup')?.node.tryFindChild('Monitoring')?.node.tryFindChild('AlarmTopicKey')).toBeDefined();
  });

  test('the default AlarmTopicKey refuses grants except to AWS services for AWS resources (CT.KMS.PR.3)', () => {
    const { template, keyId } = withKey(() => ({}));
    const [topicKey] = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => id !== keyId);
    expect(topicKey[1].Properties.KeyPolicy.Statement).toContainEqual({
      Sid: 'DenyGrantsExceptForAwsServices',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  });

  test('leaves the policy of a given key alone apart from the CloudWatch statement (no grant denial added)', () => {
    const { template, keyId } = withKey((key) => ({ alarmTopicKey: key }));
    const sids = template.findResources('AWS::KMS::Key')[keyId].Properties.KeyPolicy.Statement.map((s: { Sid?: string }) => s.Sid);
    expect(sids).toEqual([undefined, 'AllowCloudWatchAlarms']);
  });

  test('fails together with alarmTopic', () => {
    const stack = new Stack(appWithoutBundling(), 'S');
    const error = constructionError({ alarmTopic: new sns.Topic(stack, 'Topic'), alarmTopicKey: new kms.Key(stack, 'Key') });
    expect(error).toBe(
      'TestStack/Backup/Monitoring: alarmTopicKey is set together with alarmTopic: expected either a topic of your own or a key ' +
        'for the new topic, not both: a key cannot change a topic this construct does not create',
    );
  });
});
