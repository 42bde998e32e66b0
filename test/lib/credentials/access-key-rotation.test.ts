import { CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { ENV } from '../../../contract/environment';
import { ROTATION_ENV } from '../../../contract/rotation';
import { AccessKeyRotation, CockroachBackup, CockroachBackupProps } from '../../../lib';
import { ROTATION_IAM_ACTIONS, ROTATION_SECRET_ACTIONS } from '../../../lib/credentials/access-key-rotation';
import { BACKUP_OBJECT_ACTIONS } from '../../../lib/credentials/backup-credentials';
import { appWithoutBundling, constructionError, logicalId, roleStatements, synthBackup } from '../fixtures';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; UpdateReplacePolicy?: string; DeletionPolicy?: string; DependsOn?: string[] }>;

const rotated = synthBackup();
const resources = (): Resources => rotated.template.toJSON().Resources;
const idOf = (construct: IConstruct): string =>
  construct instanceof CfnElement ? rotated.stack.getLogicalId(construct) : logicalId(rotated.stack, construct as { node: { defaultChild?: unknown } });
const child = (id: string): IConstruct => rotated.backup.node.findChild(id);

describe('with rotation on (the default)', () => {
  test('the rotation function runs on Node.js 24 with reserved concurrency 1, its own log group and the contract environment', () => {
    const fn = resources()[idOf(child('RotationFunction'))];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogGroup: { Ref: idOf(child('RotationLogGroup')) } },
    });
    expect(fn.Properties?.Environment).toEqual({
      Variables: {
        [ENV.accessKeySecretArn]: { Ref: idOf(rotated.backup.accessKeySecret!) },
        [ROTATION_ENV.userName]: { Ref: idOf(rotated.backup.backupUser!) },
        [ROTATION_ENV.bucketName]: { Ref: idOf(rotated.backup.bucket) },
        [ROTATION_ENV.bucketRegion]: { Ref: 'AWS::Region' },
        [ROTATION_ENV.collection]: 'prod/cluster-1',
        [ROTATION_ENV.s3Endpoint]: '',
        [ROTATION_ENV.previousKeyGraceSeconds]: '86400',
        [ROTATION_ENV.metricsNamespace]: 'CockroachBackup',
      },
    });
    expect(resources()[idOf(child('RotationLogGroup'))].Properties?.RetentionInDays).toBe(365);
    expect(rotated.backup.rotationFunction).toBe(child('RotationFunction'));
  });

  test("its role may manage only the backup user's keys and write only the access-key secret: exact actions and resources, no S3", () => {
    const roleId = idOf(child('RotationFunctionRole'));
    expect(roleStatements(rotated.template, roleId)).toEqual([
      { Sid: 'ManageBackupUserKeys', Effect: 'Allow', Action: [...ROTATION_IAM_ACTIONS], Resource: { 'Fn::GetAtt': [idOf(rotated.backup.backupUser!), 'Arn'] } },
      { Sid: 'RotateAccessKeySecret', Effect: 'Allow', Action: [...ROTATION_SECRET_ACTIONS], Resource: { Ref: idOf(rotated.backup.accessKeySecret!) } },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [idOf(child('RotationLogGroup')), 'Arn'] } },
    ]);
    expect(ROTATION_IAM_ACTIONS).toEqual(['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey']);
    expect(ROTATION_SECRET_ACTIONS).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
    expect(resources()[roleId].Properties).toMatchObject({
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
    });
    expect(resources()[roleId].Properties?.ManagedPolicyArns).toBeUndefined();
  });

  test('the backup user still cannot delete objects', () => {
    const statements = (resources()[idOf(rotated.backup.backupPolicy)].Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement;
    expect(statements.flatMap((s) => s.Action)).toEqual([...BACKUP_OBJECT_ACTIONS, 's3:ListBucket']);
  });

  test('Secrets Manager may invoke it for this secret only, before the rotation schedule exists', () => {
    const permissionId = idOf(child('InvokedBySecretsManager'));
    expect(resources()[permissionId].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [idOf(child('RotationFunction')), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: idOf(rotated.backup.accessKeySecret!) },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    const schedule = resources()[idOf(child('AccessKeyRotationSchedule'))];
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: idOf(rotated.backup.accessKeySecret!) },
      RotationLambdaARN: { 'Fn::GetAtt': [idOf(child('RotationFunction')), 'Arn'] },
      RotationRules: { AutomaticallyAfterDays: 90 },
      RotateImmediatelyOnUpdate: true,
    });
    expect(schedule.DependsOn).toContain(permissionId);
  });

  test('a daily schedule sends retire-previous-key through a role that may invoke only the rotation function', () => {
    const schedule = resources()[idOf(child('RetirePreviousKeySchedule'))];
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      Target: {
        Arn: { 'Fn::GetAtt': [idOf(child('RotationFunction')), 'Arn'] },
        Input: JSON.stringify({ action: 'retire-previous-key' }),
        RoleArn: { 'Fn::GetAtt': [idOf(child('RotationScheduleRole')), 'Arn'] },
      },
    });
    const fnArn = { 'Fn::GetAtt': [idOf(child('RotationFunction')), 'Arn'] };
    expect(roleStatements(rotated.template, idOf(child('RotationScheduleRole')))).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }] },
    ]);
  });

  test('alarms on RotationFailed and on the rotation function errors, to the alarm topic', () => {
    const topic = { Ref: idOf(rotated.backup.alarmTopic) };
    expect(resources()[idOf(rotated.backup.rotationFailedAlarm!)].Properties).toMatchObject({
      MetricName: 'RotationFailed',
      Namespace: 'CockroachBackup',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
      OKActions: [topic],
    });
    expect(resources()[idOf(rotated.backup.rotationFunctionErrorsAlarm!)].Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(child('RotationFunction')) } }],
      AlarmActions: [topic],
    });
  });

  test('the dashboard shows the rotation metrics and alarms', () => {
    const { template } = synthBackup({ dashboard: true });
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);
    for (const name of ['Access key rotation', 'RotationSucceeded', 'RotationFailed', 'PreviousKeyRetired', 'RetriedWithFreshKey', 'Rotation alarms']) expect(body).toContain(name);
  });

  test('leaves no SMG4 acknowledgement on the access-key secret, and keeps a replaced access key for the retirement', () => {
    const acknowledged = jest.spyOn(Validations.prototype, 'acknowledge');
    try {
      const { backup } = synthBackup();
      const ids = acknowledged.mock.contexts.flatMap((context, i) =>
        (context as { scope: IConstruct }).scope === backup.accessKeySecret! ? acknowledged.mock.calls[i].map((rule) => rule.id) : [],
      );
      expect(ids).toEqual([]);
    } finally {
      acknowledged.mockRestore();
    }
    expect(resources()[idOf(rotated.backup.accessKey!)]).toMatchObject({ UpdateReplacePolicy: 'Retain' });
    expect(resources()[idOf(rotated.backup.accessKey!)].DeletionPolicy).toBeUndefined();
  });

  test('the rotation function runs in the backup Lambda\'s VPC when there is one', () => {
    const stack = new Stack(appWithoutBundling(), 'VpcStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 });
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', vpc });
    const subnets = (fn: lambda.IFunction) =>
      ((Template.fromStack(stack).toJSON().Resources as Resources)[logicalId(stack, fn as lambda.Function)].Properties?.VpcConfig as { SubnetIds?: unknown })?.SubnetIds;
    expect(subnets(backup.rotationFunction!)).toEqual(subnets(backup.backupFunction));
    expect(subnets(backup.rotationFunction!)).toHaveLength(1);
  });
});

describe('turning rotation on replaces nothing', () => {
  test('every resource of the stack without rotation is still there with the same type and properties', () => {
    const off = synthBackup({ accessKeyRotation: AccessKeyRotation.disabled() }).template.toJSON().Resources as Resources;
    const on = resources();
    const changed = Object.entries(off).flatMap(([id, resource]) => {
      const now = on[id];
      if (now === undefined) return [`${id} removed`];
      if (now.Type !== resource.Type) return [`${id} type ${resource.Type} -> ${now.Type}`];
      return JSON.stringify(now.Properties) === JSON.stringify(resource.Properties) ? [] : [`${id} properties changed`];
    });
    expect(changed).toEqual([]);
    // Only the access key gains its UpdateReplacePolicy, which changes nothing in AWS.
    const policyChanges = Object.keys(off).filter((id) => off[id].UpdateReplacePolicy !== on[id].UpdateReplacePolicy || off[id].DeletionPolicy !== on[id].DeletionPolicy);
    expect(policyChanges).toEqual([idOf(rotated.backup.accessKey!)]);
    expect(Object.keys(on).filter((id) => off[id] === undefined).map((id) => on[id].Type).sort()).toEqual(
      [
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Alarm',
        'AWS::IAM::Policy',
        'AWS::IAM::Policy',
        'AWS::IAM::Role',
        'AWS::IAM::Role',
        'AWS::Lambda::EventInvokeConfig',
        'AWS::Lambda::Function',
        'AWS::Lambda::Permission',
        'AWS::Logs::LogGroup',
        'AWS::Scheduler::Schedule',
        'AWS::SecretsManager::RotationSchedule',
      ].sort(),
    );
  });
});

describe('increasing accessKeySerial with rotation on', () => {
  test('changes only the key\'s Serial (a replacement that keeps the old key); the secret\'s template stays the same', () => {
    const before = resources();
    const after = synthBackup({ accessKeySerial: 2 }).template.toJSON().Resources as Resources;
    const changed = Object.keys(before).filter((id) => JSON.stringify(before[id]) !== JSON.stringify(after[id]));
    expect(changed).toEqual([idOf(rotated.backup.accessKey!)]);
    expect(after[idOf(rotated.backup.accessKey!)]).toMatchObject({ Properties: { Serial: 2 }, UpdateReplacePolicy: 'Retain' });
  });
});

describe('with rotation disabled', () => {
  const off = synthBackup({ accessKeyRotation: AccessKeyRotation.disabled() });

  test('creates no rotation function, schedule or alarm', () => {
    // The backup and follow functions, their three schedules.
    off.template.resourceCountIs('AWS::Lambda::Function', 2);
    off.template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 0);
    off.template.resourceCountIs('AWS::Scheduler::Schedule', 3);
    expect([off.backup.rotationFunction, off.backup.rotationFailedAlarm, off.backup.rotationFunctionErrorsAlarm]).toEqual([undefined, undefined, undefined]);
  });

  test('CloudFormation deletes a replaced access key, as before rotation existed', () => {
    const key = (off.template.toJSON().Resources as Resources)[logicalId(off.stack, off.backup.accessKey!)];
    expect(key.UpdateReplacePolicy).toBeUndefined();
  });
});

describe('validation', () => {
  test.each([
    [AccessKeyRotation.every(Duration.days(366)), 'accessKeyRotation is every 31622400 seconds (366 days): expected a whole number of days from 1 to 365'],
    [AccessKeyRotation.every(Duration.hours(36)), 'accessKeyRotation is every 129600 seconds (1 day 12 hours): expected a whole number of days from 1 to 365'],
  ])('fails if the interval is not 1 to 365 whole days', (rotation, message) => {
    expect(constructionError({ accessKeyRotation: rotation })).toBe(`TestStack/Backup: ${message} (Secrets Manager's AutomaticallyAfterDays)`);
  });

  test('fails if the grace period is not shorter than the interval', () => {
    expect(constructionError({ accessKeyRotation: AccessKeyRotation.every(Duration.days(2)), previousKeyGracePeriod: Duration.days(2) })).toMatch(
      /^TestStack\/Backup: previousKeyGracePeriod is 172800 seconds \(2 days\): expected shorter than the rotation interval \(2 days\)/,
    );
  });

  test.each([Duration.minutes(59), Duration.days(91)])('fails if the grace period is outside 1 hour to 90 days', (grace) => {
    expect(constructionError({ previousKeyGracePeriod: grace })).toMatch(/^TestStack\/Backup: previousKeyGracePeriod is .*: expected a duration from 1 hour to 90 days$/);
  });

  test('fails if a grace period is set with rotation disabled', () => {
    expect(constructionError({ accessKeyRotation: AccessKeyRotation.disabled(), previousKeyGracePeriod: Duration.days(2) })).toBe(
      'TestStack/Backup: previousKeyGracePeriod is 172800 seconds (2 days): expected to be set only with accessKeyRotation enabled',
    );
  });

  test('accepts the bounds', () => {
    const props: Partial<CockroachBackupProps> = { accessKeyRotation: AccessKeyRotation.every(Duration.days(365)), previousKeyGracePeriod: Duration.days(90) };
    expect(synthBackup(props).template.toJSON().Resources).toBeDefined();
    synthBackup({ accessKeyRotation: AccessKeyRotation.every(Duration.days(1)), previousKeyGracePeriod: Duration.hours(1) }).template.hasResourceProperties(
      'AWS::SecretsManager::RotationSchedule',
      { RotationRules: { AutomaticallyAfterDays: 1 } },
    );
  });
});

test('the secret given to the rotation function is the access-key secret', () => {
  expect(rotated.backup.accessKeySecret!).toBeInstanceOf(secretsmanager.Secret);
});
