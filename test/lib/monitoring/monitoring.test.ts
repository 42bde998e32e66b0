import { App, CfnElement, Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks } from 'cdk-nag';
import { COLLECTION_DIMENSION, DEFAULT_METRICS_NAMESPACE, METRICS } from '../../../contract/metrics';
import { BackupMonitoring, BackupMonitoringProps } from '../../../lib/monitoring/monitoring';

const COLLECTION = 'backup-bucket/cluster-a';

interface Fixture {
  readonly app: App;
  readonly stack: Stack;
  readonly monitoring: BackupMonitoring;
  /** The logical ID of the backup function, the value of its FunctionName dimension. */
  readonly functionLogicalId: string;
}

/** A stack with a plain inline Lambda (nothing to bundle) and the monitoring under test, not synthesized. */
function build(overrides: Partial<BackupMonitoringProps> = {}, addTopic = false): Fixture {
  const app = new App();
  const stack = new Stack(app, 'TestStack');
  const backupFunction = new lambda.Function(stack, 'BackupFunction', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  const alarmTopic = addTopic ? new sns.Topic(stack, 'ExistingTopic') : undefined;
  const monitoring = new BackupMonitoring(stack, 'Monitoring', {
    backupFunction,
    collectionDimensionValue: COLLECTION,
    rpo: Duration.hours(2),
    runInterval: Duration.hours(1),
    alarmTopic,
    ...overrides,
  });
  const functionLogicalId = stack.getLogicalId(backupFunction.node.defaultChild as CfnElement);
  return { app, stack, monitoring, functionLogicalId };
}

function synth(overrides: Partial<BackupMonitoringProps> = {}, addTopic = false): Fixture & { template: Template } {
  const fixture = build(overrides, addTopic);
  return { ...fixture, template: Template.fromStack(fixture.stack) };
}

function alarmOn(template: Template, metricName: string): Record<string, unknown> {
  const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } });
  const found = Object.values(alarms);
  expect(found).toHaveLength(1);
  return found[0].Properties as Record<string, unknown>;
}

const collectionDimension = [{ Name: COLLECTION_DIMENSION, Value: COLLECTION }];

describe('RPO alarm', () => {
  test('watches the Maximum of NewestBackupAgeSeconds of the collection in the default namespace', () => {
    expect(alarmOn(synth().template, METRICS.newestBackupAge.name)).toMatchObject({
      Namespace: DEFAULT_METRICS_NAMESPACE,
      Dimensions: collectionDimension,
      Statistic: 'Maximum',
    });
  });

  test('fires when the age is greater than the RPO in seconds', () => {
    expect(alarmOn(synth({ rpo: Duration.hours(26) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Threshold: 26 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('treats missing data as breaching so a Lambda that stops reporting raises it', () => {
    expect(alarmOn(synth().template, 'NewestBackupAgeSeconds')).toMatchObject({ TreatMissingData: 'breaching' });
  });

  test('uses one period of one hour for an hourly run interval', () => {
    expect(alarmOn(synth({ runInterval: Duration.hours(1) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  test('rounds a 90-second run interval up to a 120-second period', () => {
    expect(alarmOn(synth({ runInterval: Duration.seconds(90) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 120,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  test('covers a weekly run interval with seven daily periods that must all breach', () => {
    expect(alarmOn(synth({ runInterval: Duration.days(7) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 86400,
      EvaluationPeriods: 7,
      DatapointsToAlarm: 7,
    });
  });

  test('uses one daily period for a daily run interval', () => {
    expect(alarmOn(synth({ runInterval: Duration.days(1) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 86400,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
    });
  });

  test('covers a 2-day run interval and the drift of report times with three daily periods that must all breach', () => {
    expect(alarmOn(synth({ runInterval: Duration.days(2) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 86400,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  test('covers a 36-hour run interval with two daily periods', () => {
    expect(alarmOn(synth({ runInterval: Duration.hours(36) }).template, 'NewestBackupAgeSeconds')).toMatchObject({
      Period: 86400,
      EvaluationPeriods: 2,
    });
  });

  test('fails if the run interval is longer than the 7 days an alarm can evaluate', () => {
    expect(() => synth({ runInterval: Duration.days(8) })).toThrow(/runInterval must be .* at most 7 days.*received 8 days/);
  });

  test('fails if the run interval is a token', () => {
    expect(() => synth({ runInterval: Duration.seconds(Token.asNumber({ Ref: 'Interval' })) })).toThrow(
      /runInterval must be a concrete duration/,
    );
  });

  test('fails if the RPO is a token', () => {
    expect(() => synth({ rpo: Duration.seconds(Token.asNumber({ Ref: 'Rpo' })) })).toThrow(/rpo must be a concrete duration/);
  });
});

describe('backup failed alarm', () => {
  test('fires on one BackupFailed of the collection within 5 minutes', () => {
    expect(alarmOn(synth().template, METRICS.failed.name)).toMatchObject({
      Namespace: DEFAULT_METRICS_NAMESPACE,
      Dimensions: collectionDimension,
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
  });

  test('treats missing data as not breaching', () => {
    expect(alarmOn(synth().template, 'BackupFailed')).toMatchObject({ TreatMissingData: 'notBreaching' });
  });
});

describe('function errors alarm', () => {
  test("fires on one error of the backup function's Errors metric within 5 minutes", () => {
    const { template, functionLogicalId } = synth();
    expect(alarmOn(template, 'Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('function throttles alarm', () => {
  test("fires on one throttle of the backup function's Throttles metric within 5 minutes", () => {
    const { template, functionLogicalId } = synth();
    expect(alarmOn(template, 'Throttles')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('explains that reserved concurrency 1 makes overlapping runs throttle', () => {
    expect(alarmOn(synth().template, 'Throttles').AlarmDescription).toMatch(/reserved concurrency of 1.*overran/s);
  });
});

describe('alarm descriptions', () => {
  test.each(['BackupFailed', 'NewestBackupAgeSeconds', 'Errors', 'Throttles'])(
    'the %s alarm names the collection and what to check first',
    (metricName) => {
      const description = String(alarmOn(synth().template, metricName).AlarmDescription);
      expect(description).toContain(COLLECTION);
      expect(description).toMatch(/First /);
    },
  );
});

describe('alarm descriptions', () => {
  test("every description fits CloudWatch's 1024-character limit with the longest collection", () => {
    // A dimension value has at most 255 characters (CDK's Metric enforces it).
    const longCollection = `${'b'.repeat(63)}/${'c'.repeat(191)}`;
    const { template } = synth({ collectionDimensionValue: longCollection });
    const lengths = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => String(alarm.Properties.AlarmDescription).length,
    );
    expect(lengths.filter((length) => length > 1024)).toEqual([]);
  });
});

describe('metrics namespace', () => {
  test('the collection alarms use the namespace given', () => {
    const { template } = synth({ metricsNamespace: 'Team/Backups' });
    expect(alarmOn(template, 'BackupFailed')).toMatchObject({ Namespace: 'Team/Backups' });
    expect(alarmOn(template, 'NewestBackupAgeSeconds')).toMatchObject({ Namespace: 'Team/Backups' });
  });
});

describe('alarm actions', () => {
  test('every alarm notifies the new topic on ALARM and on OK', () => {
    const { template } = synth();
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [{ Ref: topics[0] }], OKActions: [{ Ref: topics[0] }] });
    }
  });

  test('every alarm notifies a topic passed in, and no other topic or key is created', () => {
    const { template, monitoring } = synth({}, true);
    const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
    expect(topics).toEqual([expect.stringMatching(/^ExistingTopic/)]);
    template.resourceCountIs('AWS::KMS::Key', 0);
    expect(monitoring.node.tryFindChild('AlarmTopic')).toBeUndefined();
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [{ Ref: topics[0] }], OKActions: [{ Ref: topics[0] }] });
    }
  });

  test('the alarms and the topic keep their construct IDs', () => {
    const { monitoring } = synth();
    const ids = ['BackupFailedAlarm', 'RpoAlarm', 'FunctionErrorsAlarm', 'FunctionThrottlesAlarm', 'AlarmTopic'];
    expect(ids.filter((id) => monitoring.node.tryFindChild(id) === undefined)).toEqual([]);
  });

  test('CloudFormation names the alarms', () => {
    for (const alarm of Object.values(synth().template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmName).toBeUndefined();
    }
  });
});

describe('new alarm topic', () => {
  test('is encrypted with a customer managed key that rotates', () => {
    const { template } = synth();
    const keys = Object.keys(template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } }));
    expect(keys).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keys[0], 'Arn'] } });
  });

  test('denies publishing without TLS', () => {
    synth().template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test("lets this account's CloudWatch alarms, and only alarms, publish to it", () => {
    const alarmArnsOfThisAccount = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*'],
      ],
    };
    synth().template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { ArnLike: { 'aws:SourceArn': alarmArnsOfThisAccount } },
          }),
        ]),
      },
    });
  });

  test('lets CloudWatch alarms use its key to publish encrypted notifications', () => {
    synth().template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });
});

describe('cdk-nag', () => {
  test('the monitoring with its new topic and a dashboard passes the AwsSolutions, NIST 800-53 R5 and HIPAA checks', () => {
    const app = new App();
    const stack = new Stack(app, 'TestStack');
    // An imported function: the stack then holds nothing but the monitoring, so every finding would be ours.
    new BackupMonitoring(stack, 'Monitoring', {
      backupFunction: lambda.Function.fromFunctionName(stack, 'BackupFunction', 'cockroach-backup'),
      collectionDimensionValue: COLLECTION,
      rpo: Duration.hours(2),
      runInterval: Duration.hours(1),
      dashboard: true,
    });
    // Plugins run when the app synthesizes, so they are added before anything synthesizes it.
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app),
      new NIST80053R5Checks(app),
      new HIPAASecurityChecks(app),
    );
    expect(() => app.synth()).not.toThrow();
  });
});

describe('dashboard', () => {
  test('is not created by default', () => {
    const { template, monitoring } = synth();
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(monitoring.dashboard).toBeUndefined();
  });

  test('is created with the construct ID Dashboard when enabled', () => {
    const { template, monitoring } = synth({ dashboard: true });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(monitoring.dashboard).toBe(monitoring.node.tryFindChild('Dashboard'));
  });

  /** The dashboard body as JSON text, each token (region, function name, alarm ARN) replaced by a placeholder. */
  function dashboardBody(): string {
    const { template } = synth({ dashboard: true, rpo: Duration.hours(3) });
    const dashboard = Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    return parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  }

  test('graphs backups by outcome', () => {
    const body = JSON.parse(dashboardBody());
    const outcomes = body.widgets.find(
      (w: { properties: { title?: string } }) => w.properties.title === 'Backups by outcome',
    );
    expect(outcomes.properties.metrics.map((m: string[]) => m[1])).toEqual([
      'BackupSubmitted',
      'BackupSucceeded',
      'BackupFailed',
      'BackupSkipped',
    ]);
  });

  test('graphs the age of the newest backup against an RPO annotation', () => {
    const body = JSON.parse(dashboardBody());
    const age = body.widgets.find((w: { properties: { metrics?: string[][] } }) =>
      w.properties.metrics?.some((m) => m[1] === 'NewestBackupAgeSeconds'),
    );
    expect(age.properties.annotations.horizontal).toEqual([expect.objectContaining({ value: 3 * 3600 })]);
  });

  test.each(['BackupDurationSeconds', 'ChainLength', 'Errors', 'Throttles'])('graphs %s', (metricName) => {
    const body = JSON.parse(dashboardBody());
    const graphed = body.widgets.flatMap((w: { properties: { metrics?: string[][] } }) =>
      (w.properties.metrics ?? []).map((m) => m[1]),
    );
    expect(graphed).toContain(metricName);
  });

  test('shows the state of the four alarms', () => {
    const body = JSON.parse(dashboardBody());
    const status = body.widgets.find((w: { type: string }) => w.type === 'alarm');
    expect(status.properties.alarms).toHaveLength(4);
  });
});

describe('metric methods', () => {
  const methods = {
    submitted: (m: BackupMonitoring) => m.metricSubmitted(),
    succeeded: (m: BackupMonitoring) => m.metricSucceeded(),
    failed: (m: BackupMonitoring) => m.metricFailed(),
    skipped: (m: BackupMonitoring) => m.metricSkipped(),
    newestBackupAge: (m: BackupMonitoring) => m.metricNewestBackupAge(),
    duration: (m: BackupMonitoring) => m.metricDuration(),
    chainLength: (m: BackupMonitoring) => m.metricChainLength(),
    filesChecked: (m: BackupMonitoring) => m.metricFilesChecked(),
    filesMissing: (m: BackupMonitoring) => m.metricFilesMissing(),
    filesNotChecked: (m: BackupMonitoring) => m.metricFilesNotChecked(),
    drillSucceeded: (m: BackupMonitoring) => m.metricDrillSucceeded(),
    drillFailed: (m: BackupMonitoring) => m.metricDrillFailed(),
    drillCleanupFailed: (m: BackupMonitoring) => m.metricDrillCleanupFailed(),
    newestDrillAge: (m: BackupMonitoring) => m.metricNewestDrillAge(),
    retriedWithFreshKey: (m: BackupMonitoring) => m.metric('retriedWithFreshKey'),
    rotationSucceeded: (m: BackupMonitoring) => m.metric('rotationSucceeded'),
    rotationFailed: (m: BackupMonitoring) => m.metric('rotationFailed'),
    previousKeyRetired: (m: BackupMonitoring) => m.metric('previousKeyRetired'),
    fractionCompleted: (m: BackupMonitoring) => m.metricFractionCompleted(),
    hung: (m: BackupMonitoring) => m.metricHung(),
    oldestRestorableAge: (m: BackupMonitoring) => m.metric('oldestRestorableAge'),
    retentionShortfall: (m: BackupMonitoring) => m.metric('retentionShortfall'),
  } satisfies Record<keyof typeof METRICS, (m: BackupMonitoring) => cloudwatch.Metric>;

  test.each(Object.entries(methods))('the %s method gives the contract metric of the collection', (key, method) => {
    const { monitoring } = synth({ metricsNamespace: 'Team/Backups' });
    const metric = method(monitoring);
    expect({ namespace: metric.namespace, name: metric.metricName, dimensions: metric.dimensions }).toEqual({
      namespace: 'Team/Backups',
      name: METRICS[key as keyof typeof METRICS].name,
      dimensions: { [COLLECTION_DIMENSION]: COLLECTION },
    });
  });

  test.each([
    ['submitted', 'Sum'],
    ['failed', 'Sum'],
    ['newestBackupAge', 'Maximum'],
    ['duration', 'Maximum'],
    ['chainLength', 'Maximum'],
    ['filesMissing', 'Sum'],
    ['filesNotChecked', 'Sum'],
    ['drillFailed', 'Sum'],
    ['newestDrillAge', 'Maximum'],
    ['fractionCompleted', 'Minimum'],
    ['hung', 'Sum'],
  ] as const)('the %s metric uses the %s statistic', (key, statistic) => {
    expect(synth().monitoring.metric(key).statistic).toBe(statistic);
  });

  test('metric options override the default period', () => {
    expect(synth().monitoring.metricDuration({ period: Duration.hours(6) }).period.toSeconds()).toBe(6 * 3600);
  });
});
