import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { COLLECTION_DIMENSION, METRICS } from '../../../contract/metrics';
import { BackupMonitoring } from '../../../lib/monitoring/monitoring';
import { VerificationAlarms, verificationAlarms, VerificationAlarmSettings } from '../../../lib/monitoring/verification-alarms';

const COLLECTION = 'backup-bucket/cluster-a';

interface Fixture {
  readonly monitoring: BackupMonitoring;
  readonly alarms: VerificationAlarms;
  readonly template: Template;
}

/** The backup monitoring of a plain inline Lambda, with the verification alarms added as the construct adds them. */
function synth(settings: Partial<VerificationAlarmSettings> = {}, dashboard = false): Fixture {
  const stack = new Stack(new App(), 'TestStack');
  const backupFunction = new lambda.Function(stack, 'BackupFunction', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  const runInterval = settings.runInterval ?? Duration.hours(1);
  const monitoring = new BackupMonitoring(stack, 'Monitoring', {
    backupFunction,
    collectionDimensionValue: settings.collectionDimensionValue ?? COLLECTION,
    rpo: Duration.seconds(runInterval.toSeconds() * 2),
    runInterval,
    dashboard,
  });
  const alarms = verificationAlarms(monitoring, { collectionDimensionValue: COLLECTION, runInterval, ...settings });
  return { monitoring, alarms, template: Template.fromStack(stack) };
}

function alarmOn(template: Template, metricName: string): Record<string, unknown> {
  const found = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName } }));
  expect(found).toHaveLength(1);
  return found[0].Properties as Record<string, unknown>;
}

const WEEK = Duration.days(7);
const withoutDrills = synth();
const withDrills = synth({ drillInterval: WEEK });
const collectionDimension = [{ Name: COLLECTION_DIMENSION, Value: COLLECTION }];
const onFirstOccurrence = {
  Dimensions: collectionDimension,
  Statistic: 'Sum',
  Period: 300,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  EvaluationPeriods: 1,
  TreatMissingData: 'notBreaching',
};

describe('file check alarms', () => {
  test('fire on one file reported missing within 5 minutes', () => {
    expect(alarmOn(withoutDrills.template, METRICS.filesMissing.name)).toMatchObject(onFirstOccurrence);
  });

  test('fire on one check that did not finish within 5 minutes: not checked is never a pass', () => {
    expect(alarmOn(withoutDrills.template, METRICS.filesNotChecked.name)).toMatchObject(onFirstOccurrence);
  });

  test('exist without drills, and the drill alarms do not', () => {
    expect(Object.keys(withoutDrills.template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(4 + 2);
    expect([withoutDrills.alarms.drillFailedAlarm, withoutDrills.alarms.drillCleanupFailedAlarm, withoutDrills.alarms.drillAgeAlarm]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('drill alarms', () => {
  test('fire on one failed drill and on one failed cleanup within 5 minutes', () => {
    expect(alarmOn(withDrills.template, METRICS.drillFailed.name)).toMatchObject(onFirstOccurrence);
    expect(alarmOn(withDrills.template, METRICS.drillCleanupFailed.name)).toMatchObject(onFirstOccurrence);
  });

  test('the drill-age alarm fires above twice the drill interval, missing data breaching, one run interval per period', () => {
    expect(alarmOn(withDrills.template, METRICS.newestDrillAge.name)).toMatchObject({
      Dimensions: collectionDimension,
      Statistic: 'Maximum',
      Threshold: 2 * WEEK.toSeconds(),
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 3600,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'breaching',
    });
  });

  test('the drill-age window follows a daily run interval within the 7 days CloudWatch evaluates', () => {
    const { template } = synth({ runInterval: Duration.days(1), drillInterval: WEEK });
    const alarm = alarmOn(template, METRICS.newestDrillAge.name);
    expect(alarm).toMatchObject({ Period: 86400, EvaluationPeriods: 1 });
    expect((alarm.Period as number) * (alarm.EvaluationPeriods as number)).toBeLessThanOrEqual(7 * 86400);
  });

  test('keep the construct IDs DrillFailedAlarm, DrillCleanupFailedAlarm and DrillAgeAlarm in the monitoring construct', () => {
    const ids = ['FilesMissingAlarm', 'FilesNotCheckedAlarm', 'DrillFailedAlarm', 'DrillCleanupFailedAlarm', 'DrillAgeAlarm'];
    expect(ids.filter((id) => withDrills.monitoring.node.tryFindChild(id) === undefined)).toEqual([]);
  });
});

describe('every verification alarm', () => {
  test('notifies the alarm topic on ALARM and on OK', () => {
    const topicId = Object.keys(withDrills.template.findResources('AWS::SNS::Topic'))[0];
    const verification = [METRICS.filesMissing, METRICS.filesNotChecked, METRICS.drillFailed, METRICS.drillCleanupFailed, METRICS.newestDrillAge];
    for (const metric of verification) {
      expect(alarmOn(withDrills.template, metric.name)).toMatchObject({ AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
    }
  });

  test.each([METRICS.filesMissing, METRICS.filesNotChecked, METRICS.drillFailed, METRICS.drillCleanupFailed, METRICS.newestDrillAge])(
    'the $name alarm names the collection and what to check first, within 1024 characters for the longest collection',
    (metric) => {
      const longCollection = `${'b'.repeat(63)}/${'c'.repeat(191)}`;
      const description = String(alarmOn(synth({ drillInterval: WEEK, collectionDimensionValue: longCollection }).template, metric.name).AlarmDescription);
      expect(description).toContain(longCollection);
      expect(description).toMatch(/First /);
      expect(description.length).toBeLessThanOrEqual(1024);
    },
  );
});

describe('dashboard', () => {
  function graphedAndAlarms(fixture: Fixture): { graphed: string[]; alarmStates: number[] } {
    const dashboard = Object.values(fixture.template.findResources('AWS::CloudWatch::Dashboard'))[0];
    const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(''));
    const widgets = body.widgets as Array<{ type: string; properties: { metrics?: string[][]; alarms?: unknown[]; title?: string } }>;
    return {
      graphed: widgets.flatMap((w) => (w.properties.metrics ?? []).map((m) => m[1])),
      alarmStates: widgets.filter((w) => w.type === 'alarm').map((w) => w.properties.alarms?.length ?? 0),
    };
  }

  test('graphs the file checks and shows their alarms without drills', () => {
    const { graphed, alarmStates } = graphedAndAlarms(synth({}, true));
    expect(graphed).toEqual(expect.arrayContaining(['FilesChecked', 'FilesMissing', 'FilesNotChecked']));
    expect(graphed).not.toContain('DrillSucceeded');
    expect(alarmStates).toEqual([4, 2]);
  });

  test('graphs drill outcomes and drill age with drills, and shows their alarms', () => {
    const { graphed, alarmStates } = graphedAndAlarms(synth({ drillInterval: WEEK }, true));
    expect(graphed).toEqual(expect.arrayContaining(['DrillSucceeded', 'DrillFailed', 'DrillCleanupFailed', 'NewestDrillAgeSeconds']));
    expect(alarmStates).toEqual([4, 5]);
  });
});
