import { Duration, TimeZone } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ENV } from '../../../contract/environment';
import { defaultIncrementalCron, scheduleInterval } from '../../../lib/functions/backup-schedules';
import { logicalId, synthBackup } from '../fixtures';

describe('scheduleInterval', () => {
  test.each([
    ['rate(1 minute)', 60],
    ['rate(15 minutes)', 900],
    ['rate(1 hour)', 3600],
    ['rate(2 days)', 172800],
    ['cron(0 * * * ? *)', 3600],
    ['cron(0 1-23 * * ? *)', 3600],
    ['cron(30 */4 * * ? *)', 14400],
    ['cron(0 2-22/2 * * ? *)', 7200],
    ['cron(0 0,1,3,4,6 * * ? *)', 3600],
    ['cron(*/15 * * * ? *)', 900],
    ['cron(0 0 * * ? *)', 86400],
    ['cron(0 3 ? * SUN *)', 604800],
  ])('reads %s as %i seconds', (expression, seconds) => {
    expect(scheduleInterval(expression)?.toSeconds()).toBe(seconds);
  });

  test.each([
    'cron(0 8 1,15 * ? *)', // twice a month
    'cron(0 8 * 1 ? *)', // one month only
    'cron(0 8 ? * MON-FRI *)', // weekdays
    'cron(*/15 8 * * ? *)', // minute steps within one hour
    'at(2030-01-01T00:00:00)',
  ])('cannot read %s', (expression) => {
    expect(scheduleInterval(expression)).toBeUndefined();
  });
});

describe('defaultIncrementalCron', () => {
  test('skips hour 0 when the full backup runs at midnight', () => {
    expect(defaultIncrementalCron('cron(0 0 * * ? *)')).toBe('cron(0 1-23 * * ? *)');
  });

  test('skips hour 23 when the full backup runs at 23:00', () => {
    expect(defaultIncrementalCron('cron(0 23 * * ? *)')).toBe('cron(0 0-22 * * ? *)');
  });

  test("lists every other hour at the full backup's minute when the full backup runs at 02:30", () => {
    expect(defaultIncrementalCron('cron(30 2 * * ? *)')).toBe('cron(30 0,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * ? *)');
  });

  test('is plain hourly when the full backup is not daily', () => {
    expect(defaultIncrementalCron('cron(0 3 ? * SUN *)')).toBe('cron(0 * * * ? *)');
  });
});

describe('schedules', () => {
  const defaults = synthBackup();
  const functionArn = { 'Fn::GetAtt': [logicalId(defaults.stack, defaults.backup.backupFunction as unknown as { node: { defaultChild?: unknown } }), 'Arn'] };

  test('runs incrementals every hour but midnight, UTC, with {"kind":"incremental"} by default', () => {
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 1-23 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: functionArn, Input: '{"kind":"incremental"}' }),
    });
  });

  test('runs full backups daily at midnight UTC with {"kind":"full"} by default', () => {
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      Target: Match.objectLike({ Arn: functionArn, Input: '{"kind":"full"}' }),
    });
  });

  test('retries a failed hand-over twice and drops events older than one interval', () => {
    const schedules = defaults.template.findResources('AWS::Scheduler::Schedule');
    const retryPolicies = Object.fromEntries(
      Object.entries(schedules).map(([id, schedule]) => [id.replace(/[0-9A-F]{8}$/, ''), schedule.Properties.Target.RetryPolicy]),
    );
    // Each schedule's own interval: an hour between incrementals (and fulls, clamped to it), a day between retirements.
    expect(retryPolicies).toEqual({
      BackupFollowSchedule: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
      BackupIncrementalSchedule: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      BackupFullSchedule: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      BackupRetirePreviousKeySchedule: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86400 },
    });
  });

  test('run the default schedules in the timeZone prop', () => {
    const { template } = synthBackup({ timeZone: TimeZone.EUROPE_BERLIN });
    template.resourcePropertiesCountIs('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'Europe/Berlin' }, 2);
  });

  test('the default incrementals skip the hour of a given daily full backup', () => {
    const { template } = synthBackup({
      timeZone: TimeZone.AMERICA_NEW_YORK,
      fullSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '3', timeZone: TimeZone.AMERICA_NEW_YORK }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 0,1,2,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({ Input: '{"kind":"incremental"}' }),
    });
  });

  test("sets INCREMENTAL_INTERVAL_SECONDS from the incremental schedule's interval", () => {
    const { template } = synthBackup({ incrementalSchedule: scheduler.ScheduleExpression.rate(Duration.minutes(15)) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.incrementalIntervalSeconds]: '900' }) },
    });
  });

  test('invoke through a role that only EventBridge Scheduler of this account can assume', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  test('the schedule role may invoke the backup function and nothing else', () => {
    defaults.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArn, { 'Fn::Join': ['', [functionArn, ':*']] }] }],
      },
    });
  });
});
