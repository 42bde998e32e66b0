import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { ENV, OPTIONAL_ENV } from '../../contract/environment';
import { CockroachBackup } from '../../lib';
import { appWithoutBundling, logicalId, synthBackup } from './fixtures';

// One default stack shared by the tests that only read it.
const defaults = synthBackup();
const bucketId = logicalId(defaults.stack, defaults.backup.bucket as s3.Bucket);
const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };

function onlyResource(template: Template, type: string): { Properties?: Record<string, unknown>; [key: string]: unknown } {
  const resources = Object.values(template.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0] as { Properties?: Record<string, unknown> };
}

describe('construct tree', () => {
  test('uses the documented stable construct IDs', () => {
    const ids = defaults.backup.node.children.map((child) => child.node.id);
    expect(ids).toEqual([
      'Bucket',
      'BackupPolicy',
      'BackupUser',
      'BackupGroup',
      'AccessKey',
      'AccessKeySecret',
      'ConnectionSecret',
      // The follow checks' state: the backup function's environment names it.
      'FollowState',
      'LogGroup',
      'FunctionRole',
      'Function',
      'ScheduleRole',
      'IncrementalSchedule',
      'FullSchedule',
      'Monitoring',
      // The follow function and its schedule (docs/job-following.md).
      'FollowLogGroup',
      'FollowFunctionRole',
      'FollowFunction',
      'FollowScheduleRole',
      'FollowSchedule',
      // Key rotation (on by default), after everything that existed before it.
      'RotationLogGroup',
      'RotationFunctionRole',
      'RotationFunction',
      'InvokedBySecretsManager',
      'AccessKeyRotationSchedule',
      'RotationScheduleRole',
      'RetirePreviousKeySchedule',
    ]);
  });
});

describe('new bucket', () => {
  test('blocks all public access', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    });
  });

  test('denies every request made without TLS', () => {
    defaults.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
          }),
        ]),
      },
    });
  });

  test('is encrypted with S3-managed keys by default', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  test('is encrypted with the given customer managed KMS key and an S3 Bucket Key', () => {
    const stack = new Stack(appWithoutBundling(), 'KmsStack');
    const key = new kms.Key(stack, 'Key');
    new CockroachBackup(stack, 'Backup', { collection: 'c', bucketOptions: { encryptionKey: key } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] } },
          },
        ],
      },
    });
  });

  test('is versioned', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', { VersioningConfiguration: { Status: 'Enabled' } });
  });

  test('is retained when the stack is deleted or the bucket replaced', () => {
    defaults.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('enforces bucket-owner ownership (ACLs disabled)', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  test('expires noncurrent versions after 90 days and aborts incomplete uploads after 7 days', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          { Id: 'ExpireNoncurrentVersions', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 90 } },
          { Id: 'AbortIncompleteMultipartUploads', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
        ],
      },
    });
  });

  test('keeps noncurrent versions as long as bucketOptions says', () => {
    const { template } = synthBackup({ bucketOptions: { noncurrentVersionExpiration: Duration.days(30) } });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } })]) },
    });
  });

  test('writes no server access logs by default', () => {
    defaults.template.hasResourceProperties('AWS::S3::Bucket', { LoggingConfiguration: Match.absent() });
  });

  test('sends server access logs to the given bucket and prefix', () => {
    const stack = new Stack(appWithoutBundling(), 'LogStack');
    const logBucket = new s3.Bucket(stack, 'Logs');
    new CockroachBackup(stack, 'Backup', { collection: 'c', bucketOptions: { serverAccessLogsBucket: logBucket, serverAccessLogsPrefix: 'backups/' } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack, logBucket) }, LogFilePrefix: 'backups/' },
    });
  });
});

describe('existing bucket', () => {
  test('creates no bucket and scopes the backup user to the given bucket', () => {
    const stack = new Stack(appWithoutBundling(), 'ExistingStack');
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing-backups');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', bucket });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(backup.bucket).toBe(bucket);
    template.hasResourceProperties('AWS::IAM::Group', { ManagedPolicyArns: [{ Ref: logicalId(stack, backup.backupPolicy) }] });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-backups/c/*']] } }),
        ]),
      },
    });
  });
});

describe('backup user', () => {
  const groupId = logicalId(defaults.stack, defaults.backup.backupGroup!);

  test('may get and put objects below the collection and list only the collection, nothing else', () => {
    defaults.template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadWriteCollectionObjects',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:PutObject'],
            Resource: { 'Fn::Join': ['', [bucketArn, '/prod/cluster-1/*']] },
          },
          {
            Sid: 'ListCollection',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: bucketArn,
            Condition: { StringLike: { 's3:prefix': ['prod/cluster-1', 'prod/cluster-1/*'] } },
          },
        ],
      },
    });
  });

  test('gets its permissions only through its group: no policy names the user, and the user has no property but Groups', () => {
    const userId = logicalId(defaults.stack, defaults.backup.backupUser!);
    const policies = { ...defaults.template.findResources('AWS::IAM::Policy'), ...defaults.template.findResources('AWS::IAM::ManagedPolicy') };
    const naming = Object.values(policies).filter((policy) => JSON.stringify(policy.Properties.Users ?? []).includes(userId));
    expect(naming).toEqual([]);
    const user = onlyResource(defaults.template, 'AWS::IAM::User');
    expect(user.Properties).toEqual({ Groups: [{ Ref: groupId }] });
  });

  test('its group holds exactly the one customer managed policy and nothing else', () => {
    const group = onlyResource(defaults.template, 'AWS::IAM::Group');
    expect(group.Properties).toEqual({ ManagedPolicyArns: [{ Ref: logicalId(defaults.stack, defaults.backup.backupPolicy) }] });
    const policy = onlyResource(defaults.template, 'AWS::IAM::ManagedPolicy');
    // Attached through the group only: the policy names no user, group or role itself.
    expect(Object.keys(policy.Properties ?? {}).sort()).toEqual(['Description', 'Path', 'PolicyDocument']);
    expect(JSON.stringify(defaults.template.findResources('AWS::IAM::Policy'))).not.toContain(groupId);
  });

  test('keeps the construct ID and logical ID of the user, so an upgrade does not replace it or its key', () => {
    expect(defaults.backup.backupUser!.node.path).toBe('TestStack/Backup/BackupUser');
    expect(logicalId(defaults.stack, defaults.backup.backupUser!)).toBe('BackupBackupUser2BCEC5EF') // as in the snapshot before the group existed;
  });

  test('may also generate data keys and decrypt with the bucket key through S3 when the bucket uses KMS', () => {
    const stack = new Stack(appWithoutBundling(), 'KmsStack');
    const key = new kms.Key(stack, 'Key');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', bucketOptions: { encryptionKey: key } });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Group', { ManagedPolicyArns: [{ Ref: logicalId(stack, backup.backupPolicy) }] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'UseBucketKey',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] },
            // Only through S3 in the bucket's region: CockroachDB never calls KMS itself.
            Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
          },
        ]),
      },
    });
  });

  test('gets no KMS permission when the bucket uses S3-managed keys', () => {
    expect(JSON.stringify(defaults.template.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('kms:');
  });
});

describe('access key and its secret', () => {
  test('the access key belongs to the backup user with serial 1', () => {
    defaults.template.hasResourceProperties('AWS::IAM::AccessKey', {
      UserName: { Ref: logicalId(defaults.stack, defaults.backup.backupUser!) },
      Serial: 1,
    });
  });

  test('accessKeySerial sets the serial that rotates the key', () => {
    synthBackup({ accessKeySerial: 2 }).template.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 2 });
  });

  test('the secret is built from the access key attributes, with no literal key in the template', () => {
    const keyId = logicalId(defaults.stack, defaults.backup.accessKey!);
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: {
        'Fn::Join': ['', ['{"accessKeyId":"', { Ref: keyId }, '","secretAccessKey":"', { 'Fn::GetAtt': [keyId, 'SecretAccessKey'] }, '"}']],
      },
    });
  });

  test('neither key nor secret appears in an output', () => {
    expect(defaults.template.toJSON().Outputs).toBeUndefined();
  });
});

describe('connection secret', () => {
  test('is generated with the documented template and a 32-character password by default', () => {
    defaults.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: JSON.stringify({ host: '', port: 26257, username: 'backup', dbname: 'defaultdb', ca: '' }),
        GenerateStringKey: 'password',
        PasswordLength: 32,
        ExcludePunctuation: true,
      },
    });
  });

  test('an existing secret is used as it is and no connection secret is created', () => {
    const stack = new Stack(appWithoutBundling(), 'SecretStack');
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Existing', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:crdb-AbCdEf');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', connectionSecret: secret });
    expect(backup.connectionSecret).toBe(secret);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1); // the access-key secret only
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.connectionSecretArn]: secret.secretArn }) },
    });
  });
});

describe('backup function', () => {
  const functionResource = () =>
    defaults.template.toJSON().Resources[logicalId(defaults.stack, defaults.backup.backupFunction as lambda.Function)] as { Properties: Record<string, unknown> };

  test('runs the handler on Node.js 24 on arm64', () => {
    expect(functionResource().Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  test('has a reserved concurrency of 1, so two runs never overlap', () => {
    expect(functionResource().Properties.ReservedConcurrentExecutions).toBe(1);
  });

  test('does not retry a failed run and drops a queued event older than one run interval', () => {
    defaults.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
  });

  test('times out after 5 minutes by default and after timeout when set', () => {
    expect(functionResource().Properties.Timeout).toBe(300);
    synthBackup({ timeout: Duration.minutes(2) }).template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 120 });
  });

  test('may write to its log group and read exactly the two secrets, nothing else', () => {
    const role = defaults.backup.node.findChild('FunctionRole');
    const roleId = logicalId(defaults.stack, role as unknown as { node: { defaultChild?: unknown } });
    const policies = Object.values(defaults.template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles ?? []).includes(roleId),
    );
    expect(policies).toHaveLength(1);
    const read = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalId(defaults.stack, defaults.backup.logGroup as logs.LogGroup), 'Arn'] },
      },
      { Effect: 'Allow', Action: read, Resource: { Ref: logicalId(defaults.stack, defaults.backup.connectionSecret as secretsmanager.Secret) } },
      { Effect: 'Allow', Action: read, Resource: { Ref: logicalId(defaults.stack, defaults.backup.accessKeySecret! as secretsmanager.Secret) } },
    ]);
  });

  test('its role has no managed policy outside a VPC and trusts only Lambda', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('writes to its own log group, kept one year by default', () => {
    const logGroupId = logicalId(defaults.stack, defaults.backup.logGroup as logs.LogGroup);
    expect(functionResource().Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    expect(defaults.template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(365);
  });

  test('keeps its logs as long as logRetention says', () => {
    synthBackup({ logRetention: logs.RetentionDays.ONE_MONTH }).template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  test('gets exactly the environment variables of the contract, with the default settings (those of retention only with it)', () => {
    const variables = (functionResource().Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(variables).sort()).toEqual(Object.values(ENV).filter((name) => !(OPTIONAL_ENV as readonly string[]).includes(name)).sort());
    expect(variables).toEqual({
      [ENV.connectionSecretArn]: { Ref: logicalId(defaults.stack, defaults.backup.connectionSecret as secretsmanager.Secret) },
      [ENV.accessKeySecretArn]: { Ref: logicalId(defaults.stack, defaults.backup.accessKeySecret! as secretsmanager.Secret) },
      [ENV.bucketName]: { Ref: bucketId },
      [ENV.bucketRegion]: { Ref: 'AWS::Region' },
      [ENV.collection]: 'prod/cluster-1',
      [ENV.s3Endpoint]: '',
      [ENV.storageMode]: 'uri',
      [ENV.externalConnectionName]: '',
      [ENV.asOfSystemTimeSeconds]: '10',
      [ENV.revisionHistory]: 'true',
      [ENV.maxIncrementals]: '48',
      [ENV.autoRebaseline]: 'true',
      [ENV.incrementalIntervalSeconds]: '3600',
      [ENV.tlsVerify]: 'true',
      [ENV.connectTimeoutMs]: '10000',
      [ENV.statementTimeoutMs]: '30000',
      [ENV.metricsNamespace]: 'CockroachBackup',
      [ENV.fileCheckTimeoutSeconds]: '120',
      [ENV.drillDatabases]: '',
      [ENV.drillStateParameter]: '',
      [ENV.drillIntervalSeconds]: '0',
      [ENV.followStateParameter]: { Ref: logicalId(defaults.stack, defaults.backup.followStateParameter) },
      [ENV.hangAfterSeconds]: '3600',
    });
  });

  test('passes the backup options through the environment', () => {
    const { template } = synthBackup({
      asOfSystemTime: Duration.seconds(30),
      revisionHistory: false,
      maxIncrementals: 24,
      autoRebaseline: false,
      storage: 'external-connection',
      verifyServerCertificate: false,
      connectTimeout: Duration.seconds(5),
      statementTimeout: Duration.minutes(1),
      metricsNamespace: 'Team/Backups',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.asOfSystemTimeSeconds]: '30',
          [ENV.revisionHistory]: 'false',
          [ENV.maxIncrementals]: '24',
          [ENV.autoRebaseline]: 'false',
          [ENV.storageMode]: 'external-connection',
          [ENV.externalConnectionName]: 'backup_prod_cluster_1',
          [ENV.tlsVerify]: 'false',
          [ENV.connectTimeoutMs]: '5000',
          [ENV.statementTimeoutMs]: '60000',
          [ENV.metricsNamespace]: 'Team/Backups',
        }),
      },
    });
  });

  test('runs in the given VPC subnets with a network-interface policy of its own, no managed VPC policy (no log writes on *)', () => {
    const stack = new Stack(appWithoutBundling(), 'VpcStack');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    new CockroachBackup(stack, 'Backup', { collection: 'c', vpc });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('AWSLambdaVPCAccessExecutionRole');
    const eniStatement = {
      Sid: 'ManageNetworkInterfacesInVpc',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    };
    const withEni = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.PolicyDocument.Statement).includes('ManageNetworkInterfacesInVpc'));
    // The backup, follow and rotation functions all run in the VPC, each through its own role.
    expect(withEni.map((p) => (p.Properties.Roles as { Ref: string }[])[0].Ref.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'BackupFollowFunctionRole',
      'BackupFunctionRole',
      'BackupRotationFunctionRole',
    ]);
    for (const policy of withEni) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(eniStatement);
      expect(JSON.stringify(policy.Properties.PolicyDocument.Statement)).not.toContain('logs:CreateLogGroup');
    }
  });
});

describe('monitoring', () => {
  test('alarms when the newest backup is older than twice the incremental interval by default', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NewestBackupAgeSeconds', Threshold: 7200 });
  });

  test('alarms at the given rpo', () => {
    synthBackup({ rpo: Duration.hours(6) }).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'NewestBackupAgeSeconds',
      Threshold: 21600,
    });
  });

  test('exposes the monitoring alarms and topic, and metrics of its collection', () => {
    const { backup, monitoring } = { backup: defaults.backup, monitoring: defaults.backup.monitoring };
    expect(backup.alarmTopic).toBe(monitoring.alarmTopic);
    expect([backup.backupFailedAlarm, backup.rpoAlarm, backup.functionErrorsAlarm, backup.functionThrottlesAlarm]).toEqual([
      monitoring.backupFailedAlarm,
      monitoring.rpoAlarm,
      monitoring.functionErrorsAlarm,
      monitoring.functionThrottlesAlarm,
    ]);
    const metric = backup.metricFailed();
    expect(metric.metricName).toBe('BackupFailed');
    expect(defaults.stack.resolve(metric.dimensions)).toEqual({ Collection: { 'Fn::Join': ['', [{ Ref: bucketId }, '/prod/cluster-1']] } });
  });

  test('notifies the given alarm topic instead of creating one', () => {
    const stack = new Stack(appWithoutBundling(), 'TopicStack');
    const topic = new sns.Topic(stack, 'Topic');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', alarmTopic: topic });
    expect(backup.alarmTopic).toBe(topic);
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 1);
  });

  test('creates a dashboard only when asked', () => {
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    synthBackup({ dashboard: true }).template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

describe('two instances sharing one bucket', () => {
  const stack = new Stack(appWithoutBundling(), 'SharedStack');
  const first = new CockroachBackup(stack, 'ClusterA', { collection: 'cluster-a' });
  const second = new CockroachBackup(stack, 'ClusterB', { collection: 'cluster-b', bucket: first.bucket });
  const template = Template.fromStack(stack);
  const sharedArn = { 'Fn::GetAtt': [logicalId(stack, first.bucket as s3.Bucket), 'Arn'] };

  test('create one bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 1);
    expect(second.bucket).toBe(first.bucket);
  });

  test.each([
    ['first', first, 'cluster-a'],
    ['second', second, 'cluster-b'],
  ])('scope the %s user to its own prefix only', (_name, backup, prefix) => {
    const resources = template.toJSON().Resources;
    const groupRef = { Ref: logicalId(stack, backup.backupGroup!) };
    expect(resources[logicalId(stack, backup.backupUser!)].Properties.Groups).toEqual([groupRef]);
    expect(resources[groupRef.Ref].Properties.ManagedPolicyArns).toEqual([{ Ref: logicalId(stack, backup.backupPolicy) }]);
    expect(resources[logicalId(stack, backup.backupPolicy)].Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({ Resource: { 'Fn::Join': ['', [sharedArn, `/${prefix}/*`]] } }),
      expect.objectContaining({ Condition: { StringLike: { 's3:prefix': [prefix, `${prefix}/*`] } } }),
    ]);
  });

  test('give each Lambda its own collection', () => {
    const collections = Object.values(template.findResources('AWS::Lambda::Function'))
      .filter((fn) => fn.Properties.Environment.Variables[ENV.connectionSecretArn] !== undefined)
      .filter((fn) => String(fn.Properties.Description).startsWith('Submits'))
      .map((fn) => fn.Properties.Environment.Variables[ENV.collection]);
    expect(collections.sort()).toEqual(['cluster-a', 'cluster-b']);
  });
});
