import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { ENV } from '../../../contract/environment';
import { CockroachBackup } from '../../../lib';
import { defaultDrillCron } from '../../../lib/functions/restore-drill';
import { appWithoutBundling, constructionError, logicalId, synthBackup, Synthesized } from '../fixtures';

const withoutDrills = synthBackup();
const withDrills = synthBackup({ restoreDrill: {} });

function variables(template: Template): Record<string, unknown> {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

function drillSchedule(template: Template): Record<string, unknown> {
  const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).filter((s) =>
    String((s.Properties.Target as { Input: string }).Input).includes('restore-drill'),
  );
  expect(schedules).toHaveLength(1);
  return schedules[0].Properties as Record<string, unknown>;
}

/** Every IAM statement of the backup function's role that names an SSM action (the follow function has its own parameter, lib/functions/job-following.ts). */
function ssmStatements({ template, stack, backup }: Synthesized): Array<{ Action: string | string[]; Resource: unknown }> {
  const role = { Ref: logicalId(stack, backup.node.findChild('FunctionRole') as iam.Role) };
  return Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [role] } })).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('ssm:')),
    ),
  );
}

/** The template's SSM parameters but the follow checks' FollowState. */
function drillParameters(template: Template): Record<string, unknown>[] {
  return Object.values(template.findResources('AWS::SSM::Parameter'))
    .map((p) => p.Properties as Record<string, unknown>)
    .filter((p) => !String(p.Description).startsWith('State of the follow checks'));
}

describe('without restoreDrill', () => {
  test('creates no parameter and no drill schedule, and leaves the drill variables off', () => {
    // The follow checks' FollowState only.
    expect(drillParameters(withoutDrills.template)).toEqual([]);
    const schedules = Object.values(withoutDrills.template.findResources('AWS::Scheduler::Schedule'));
    // The backup schedules, the follow schedule and the key rotation's retirement schedule; none sends a drill.
    expect(schedules.map((s) => JSON.stringify(s.Properties.Target.Input))).not.toContainEqual(expect.stringContaining('restore-drill'));
    expect(schedules).toHaveLength(4);
    expect(variables(withoutDrills.template)).toMatchObject({
      [ENV.drillDatabases]: '',
      [ENV.drillStateParameter]: '',
      [ENV.drillIntervalSeconds]: '0',
    });
    expect([withoutDrills.backup.drillSchedule, withoutDrills.backup.drillStateParameter]).toEqual([undefined, undefined]);
  });

  test('gives the function no SSM permission', () => {
    expect(ssmStatements(withoutDrills)).toEqual([]);
  });
});

describe('with restoreDrill', () => {
  test("keeps the drills' state in one String parameter created as {}", () => {
    expect(drillParameters(withDrills.template)).toEqual([expect.objectContaining({ Type: 'String', Value: '{}', Tier: 'Standard' })]);
    expect(withDrills.backup.drillStateParameter?.node.id).toBe('DrillState');
  });

  test("passes the parameter's name, the drill interval and every database to the Lambda", () => {
    const parameterId = logicalId(withDrills.stack, withDrills.backup.drillStateParameter!);
    expect(variables(withDrills.template)).toMatchObject({
      [ENV.drillStateParameter]: { Ref: parameterId },
      [ENV.drillIntervalSeconds]: String(7 * 24 * 3600),
      [ENV.drillDatabases]: '',
    });
  });

  test('lets the function get and put that one parameter and nothing else in Parameter Store', () => {
    const parameterId = logicalId(withDrills.stack, withDrills.backup.drillStateParameter!);
    expect(ssmStatements(withDrills)).toEqual([
      {
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/', { Ref: parameterId }],
          ],
        },
      },
    ]);
  });

  test('schedules a weekly drill on Sunday at 03:30 with the payload restore-drill, through the backup schedules\' role', () => {
    const roleId = logicalId(withDrills.stack, withDrills.backup.node.findChild('ScheduleRole') as iam.Role);
    expect(drillSchedule(withDrills.template)).toMatchObject({
      ScheduleExpression: 'cron(30 3 ? * SUN *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: {
        Input: JSON.stringify({ kind: 'restore-drill' }),
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86400 },
      },
    });
    expect(withDrills.backup.drillSchedule?.node.id).toBe('DrillSchedule');
  });

  test('runs the default drill in the timeZone prop', () => {
    const { template } = synthBackup({ timeZone: TimeZone.EUROPE_BERLIN, restoreDrill: {} });
    expect(drillSchedule(template)).toMatchObject({ ScheduleExpression: 'cron(30 3 ? * SUN *)', ScheduleExpressionTimezone: 'Europe/Berlin' });
  });

  test('moves the default drill with a daily full schedule, half an hour off its minute', () => {
    const timeZone = TimeZone.ETC_UTC;
    const { template } = synthBackup({ timeZone, fullSchedule: ScheduleExpression.cron({ minute: '15', hour: '2', timeZone }), restoreDrill: {} });
    expect(drillSchedule(template)).toMatchObject({ ScheduleExpression: 'cron(45 5 ? * SUN *)' });
  });

  test.each([
    ['cron(0 0 * * ? *)', 'cron(0 1-23 * * ? *)', { minute: '30', hour: '3' }],
    ['cron(45 22 * * ? *)', 'cron(45 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,23 * * ? *)', { minute: '15', hour: '2' }],
    ['cron(30 2 * * ? *)', 'cron(15/30 * * * ? *)', { minute: '0', hour: '6' }],
    ['cron(0 0 * * ? *)', 'cron(0/30 * * * ? *)', { minute: '31', hour: '3' }],
    ['cron(30 0 * * ? *)', 'cron(0,10-20,30-59 * * * ? *)', { minute: '1', hour: '4' }],
    ['cron(0 0 ? * SAT *)', 'cron(0 * * * ? *)', { minute: '30', hour: '3' }],
    ['rate(1 day)', 'rate(1 hour)', { minute: '30', hour: '3' }],
    ['cron(0 0 * * ? *)', 'cron(* * * * ? *)', { minute: '30', hour: '3' }],
  ])('the default drill time for the full schedule %s and the incremental schedule %s is %o', (full, incremental, expected) => {
    expect(defaultDrillCron(full, incremental)).toEqual(expected);
  });

  test('never fires in a minute of the backup schedules given', () => {
    const timeZone = TimeZone.ETC_UTC;
    const { template } = synthBackup({
      timeZone,
      fullSchedule: ScheduleExpression.cron({ minute: '0', hour: '0', timeZone }),
      incrementalSchedule: ScheduleExpression.cron({ minute: '0/30', timeZone }),
      restoreDrill: {},
    });
    expect(drillSchedule(template)).toMatchObject({ ScheduleExpression: 'cron(31 3 ? * SUN *)' });
  });

  test('restores only the databases given', () => {
    expect(variables(synthBackup({ restoreDrill: { databases: ['app', 'Billing DB'] } }).template)).toMatchObject({
      [ENV.drillDatabases]: 'app,Billing DB',
    });
  });

  test('reads the interval of a schedule given, and takes one stated when it cannot be read', () => {
    const daily = synthBackup({ restoreDrill: { schedule: ScheduleExpression.rate(Duration.days(1)) } });
    expect(variables(daily.template)).toMatchObject({ [ENV.drillIntervalSeconds]: '86400' });
    const monthly = synthBackup({ restoreDrill: { schedule: ScheduleExpression.expression('cron(0 3 1 * ? *)'), interval: Duration.days(31) } });
    expect(variables(monthly.template)).toMatchObject({ [ENV.drillIntervalSeconds]: String(31 * 86400) });
    expect(drillSchedule(monthly.template)).toMatchObject({ ScheduleExpression: 'cron(0 3 1 * ? *)' });
  });

  test('adds DrillState and DrillSchedule and keeps every other construct ID', () => {
    const ids = (backup: CockroachBackup) => backup.node.children.map((c) => c.node.id);
    expect(ids(withDrills.backup).filter((id) => !ids(withoutDrills.backup).includes(id))).toEqual(['DrillState', 'DrillSchedule']);
    expect(ids(withoutDrills.backup).filter((id) => !ids(withDrills.backup).includes(id))).toEqual([]);
  });

  test('adds exactly these resources (snapshot)', () => {
    const before = withoutDrills.template.toJSON().Resources as Record<string, unknown>;
    const added = Object.entries(withDrills.template.toJSON().Resources as Record<string, unknown>).filter(([id]) => !(id in before));
    expect(Object.fromEntries(added)).toMatchSnapshot();
  });

  test('turning drills on replaces nothing: every logical ID of the stack without drills stays', () => {
    const without = Object.keys(withoutDrills.template.toJSON().Resources);
    const withIds = Object.keys(withDrills.template.toJSON().Resources);
    expect(without.filter((id) => !withIds.includes(id))).toEqual([]);
  });
});

describe('restoreDrill validation', () => {
  test('fails if the interval cannot be read from the schedule and is not stated', () => {
    expect(constructionError({ restoreDrill: { schedule: ScheduleExpression.expression('cron(0 3 1 * ? *)') } })).toMatch(
      /restoreDrill\.schedule is 'cron\(0 3 1 \* \? \*\)', whose interval cannot be derived: expected .*restoreDrill\.interval/,
    );
  });

  test('fails if the interval is shorter than 1 hour', () => {
    expect(constructionError({ restoreDrill: { schedule: ScheduleExpression.rate(Duration.minutes(30)) } })).toMatch(
      /the interval of restoreDrill\.schedule is 1800 seconds .*: expected a duration from 1 hour to 90 days/,
    );
  });

  test('fails if the interval stated is longer than 90 days', () => {
    expect(constructionError({ restoreDrill: { interval: Duration.days(91) } })).toMatch(/restoreDrill\.interval is 7862400 seconds/);
  });

  test("fails if a drill schedule is in another time zone than the timeZone prop", () => {
    expect(
      constructionError({
        timeZone: TimeZone.EUROPE_BERLIN,
        restoreDrill: { schedule: ScheduleExpression.cron({ minute: '0', hour: '4', weekDay: 'SAT' }) },
      }),
    ).toMatch(/restoreDrill\.schedule is 'cron\(0 4 \? \* SAT \*\)' in time zone Etc\/UTC: expected a schedule in the timeZone prop's Europe\/Berlin/);
  });

  test.each([
    [[], /restoreDrill\.databases is an empty list/],
    [['app', 'a,b'], /restoreDrill\.databases is \["app", "a,b"\]: expected database names that are not empty, contain no comma and no space at either end/],
    [[' '], /restoreDrill\.databases is \[" "\]/],
    [['bank '], /restoreDrill\.databases is \["bank "\]/],
  ])('fails for the databases %j', (databases, message) => {
    expect(constructionError({ restoreDrill: { databases } })).toMatch(message);
  });
});

describe('fileCheckTimeout', () => {
  test('is 2 minutes by default', () => {
    expect(variables(withoutDrills.template)).toMatchObject({ [ENV.fileCheckTimeoutSeconds]: '120' });
  });

  test('defaults to half the Lambda timeout when that is shorter than 2 minutes', () => {
    expect(variables(synthBackup({ timeout: Duration.seconds(90) }).template)).toMatchObject({ [ENV.fileCheckTimeoutSeconds]: '45' });
  });

  test('passes the budget given, and 0 to turn the checks of full-backup runs off', () => {
    expect(variables(synthBackup({ timeout: Duration.minutes(10), fileCheckTimeout: Duration.minutes(5) }).template)).toMatchObject({
      [ENV.fileCheckTimeoutSeconds]: '300',
    });
    expect(variables(synthBackup({ fileCheckTimeout: Duration.seconds(0) }).template)).toMatchObject({ [ENV.fileCheckTimeoutSeconds]: '0' });
  });

  test('fails if it is not shorter than the Lambda timeout', () => {
    expect(constructionError({ fileCheckTimeout: Duration.minutes(5) })).toMatch(
      /fileCheckTimeout is 300 seconds \(5 minutes\): expected 0 \(no checks in full-backup runs\) or a whole number of seconds shorter than the Lambda timeout \(5 minutes\)/,
    );
  });

  test('fails if it is not a whole number of seconds', () => {
    expect(constructionError({ fileCheckTimeout: Duration.millis(1500) })).toMatch(/fileCheckTimeout is 1.5 seconds/);
  });
});

describe('metric methods', () => {
  test.each([
    ['metricFilesChecked', 'FilesChecked'],
    ['metricFilesMissing', 'FilesMissing'],
    ['metricFilesNotChecked', 'FilesNotChecked'],
    ['metricDrillSucceeded', 'DrillSucceeded'],
    ['metricDrillFailed', 'DrillFailed'],
    ['metricDrillCleanupFailed', 'DrillCleanupFailed'],
    ['metricNewestDrillAge', 'NewestDrillAgeSeconds'],
  ] as const)('%s gives the %s metric of the collection', (method, metricName) => {
    const metric = withoutDrills.backup[method]();
    expect([metric.metricName, withoutDrills.stack.resolve(metric.dimensions)]).toEqual([
      metricName,
      { Collection: { 'Fn::Join': ['', [{ Ref: logicalId(withoutDrills.stack, withoutDrills.backup.bucket as s3.Bucket) }, '/prod/cluster-1']] } },
    ]);
  });
});

test('two constructs with drills in one stack get a parameter and a schedule each', () => {
  const stack = new Stack(appWithoutBundling(), 'TwoStack');
  new CockroachBackup(stack, 'A', { collection: 'a', restoreDrill: {} });
  new CockroachBackup(stack, 'B', { collection: 'b', restoreDrill: { databases: ['app'] } });
  const template = Template.fromStack(stack);
  expect(drillParameters(template)).toHaveLength(2);
  template.resourcePropertiesCountIs('AWS::Scheduler::Schedule', { Target: Match.objectLike({ Input: '{"kind":"restore-drill"}' }) }, 2);
});
