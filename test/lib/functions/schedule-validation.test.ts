import { CfnElement, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { constructionError, synthBackup } from '../fixtures';

const cron = (text: string, timeZone?: TimeZone): scheduler.ScheduleExpression => scheduler.ScheduleExpression.expression(text, timeZone);

/**
 * Schedules that cannot work are refused at synth, naming the prop, the value and what is
 * expected (issue 24): the deploy, or worse a schedule that silently never fires, would
 * otherwise be the first to notice.
 */
describe('schedules that cannot work are refused at synth', () => {
  test.each([
    ['a minute outside 0-59', 'cron(60 * * * ? *)', /fullSchedule is 'cron\(60 \* \* \* \? \*\)' \(the minutes field's '60' is outside 0-59\): expected a cron\(minutes hours/],
    ['an hour outside 0-23', 'cron(0 24 * * ? *)', /the hours field's '24' is outside 0-23/],
    ['five fields', 'cron(0 0 * * ?)', /5 fields instead of six/],
    ['both day fields set', 'cron(0 0 1 * MON *)', /exactly one of day-of-month and day-of-week must be '\?'/],
    ['neither day field ?', 'cron(0 0 * * * *)', /exactly one of day-of-month and day-of-week must be '\?'/],
    ['an unknown month name', 'cron(0 0 1 FOO ? *)', /the month field's 'FOO' is outside 1-12 \(or JAN-DEC\)/],
    ['a backwards range', 'cron(0 5-2 * * ? *)', /the hours field's range '5-2' runs backwards/],
    ['? in the hours', 'cron(0 ? * * ? *)', /'\?' is allowed only in the day-of-month and day-of-week fields, not in hours/],
  ])('an invalid cron field: %s', (_, expression, message) => {
    expect(constructionError({ fullSchedule: cron(expression), incrementalInterval: Duration.hours(1) })).toMatch(message);
  });

  test.each([
    ['30 February', 'cron(0 0 30 2 ? *)'],
    ['31 April', 'cron(0 0 31 4 ? *)'],
    ['a year gone by', 'cron(0 0 1 1 ? 2020)'],
  ])('a schedule that never fires: %s', (_, expression) => {
    expect(constructionError({ fullSchedule: cron(expression), incrementalInterval: Duration.hours(1) })).toMatch(
      new RegExp(`fullSchedule is '${expression.replace(/[()*?]/g, '\\$&')}', which never fires from \\d{4}-\\d\\d-\\d\\d on: expected a schedule that fires`),
    );
  });

  test('29 February fires (in a leap year), the last day of the month and the third Friday too', () => {
    for (const expression of ['cron(0 0 29 2 ? *)', 'cron(0 0 L * ? *)', 'cron(0 0 ? * 6#3 *)', 'cron(0 0 ? * FRIL *)']) {
      expect(() => synthBackup({ fullSchedule: cron(expression), incrementalSchedule: cron('cron(0 * * * ? *)') })).not.toThrow();
    }
  });

  test('a rate with the wrong plural or zero', () => {
    expect(constructionError({ incrementalSchedule: cron('rate(1 hours)') })).toMatch(/incrementalSchedule is 'rate\(1 hours\)': expected rate\(<n> <unit>\) with n of at least 1/);
    expect(constructionError({ incrementalSchedule: cron('rate(0 minutes)') })).toMatch(/incrementalSchedule is 'rate\(0 minutes\)'/);
  });

  test.each(['Mars/Olympus', 'europe/berlin', '+01:00'])('the time zone %s, which is no IANA name', (name) => {
    expect(constructionError({ timeZone: TimeZone.of(name) })).toMatch(new RegExp(`Backup: timeZone is the time zone '${name.replace('+', '\\+')}': expected an IANA time zone name`));
  });

  test("a schedule's own time zone is checked too, and a case variant gets the name it meant", () => {
    expect(constructionError({ fullSchedule: cron('cron(0 2 * * ? *)', TimeZone.of('europe/berlin')) })).toMatch(
      /fullSchedule's timeZone is the time zone 'europe\/berlin': expected an IANA time zone name .*did you mean 'Europe\/Berlin'\?/,
    );
  });

  test('IANA names and their aliases synthesize', () => {
    for (const timeZone of [TimeZone.EUROPE_BERLIN, TimeZone.ETC_UTC, TimeZone.of('America/Argentina/Buenos_Aires')]) {
      expect(() => synthBackup({ timeZone })).not.toThrow();
    }
  });

  test('an rpo beyond 31 days', () => {
    expect(constructionError({ rpo: Duration.days(45) })).toMatch(/Backup: rpo is 3888000 seconds \(45 days\): expected at most 31 days/);
  });

  test('an rpo shorter than the interval (as before)', () => {
    expect(constructionError({ rpo: Duration.minutes(30) })).toMatch(/rpo is 1800 seconds \(30 minutes\): expected a duration longer than the incremental interval/);
  });

  test.each(['AWS/Backup', ''])('the metrics namespace %j', (namespace) => {
    expect(constructionError({ metricsNamespace: namespace })).toMatch(new RegExp(`metricsNamespace is "${namespace}": expected a CloudWatch namespace: 1-255 letters, digits and \\. _ - / # :, not starting with 'AWS/'`));
  });

  test('followInterval outside whole minutes 1 to 10, and hangAfter shorter than two looks', () => {
    expect(constructionError({ followInterval: Duration.minutes(15) })).toMatch(/followInterval is 900 seconds \(15 minutes\): expected a duration from 1 minute to 10 minutes/);
    expect(constructionError({ followInterval: Duration.seconds(90) })).toMatch(/followInterval is 90 seconds \(1 minute 30 seconds\): expected whole minutes from 1 to 10/);
    expect(constructionError({ followInterval: Duration.minutes(10), hangAfter: Duration.minutes(15) })).toMatch(/hangAfter is 900 seconds \(15 minutes\): expected at least two follow intervals \(20 minutes\)/);
  });
});

describe('the follow checks', () => {
  test('FollowSchedule sends {"kind":"follow"} to FollowFunction every followInterval; the function may read only the connection secret and FollowState', () => {
    const { template, backup } = synthBackup({ followInterval: Duration.minutes(3) });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(3 minutes)',
      Target: { Input: '{"kind":"follow"}' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'Follows the CockroachDB backup jobs of TestStack/Backup until they end', ReservedConcurrentExecutions: 1, Timeout: 60 });
    const role = Stack.of(backup).getLogicalId(backup.node.findChild('FollowFunctionRole').node.defaultChild as CfnElement);
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }));
    expect(policies).not.toBe('{}');
    expect(policies).toContain('ssm:PutParameter');
    expect(policies).toContain('ConnectionSecret');
    expect(policies).not.toContain('AccessKeySecret');
  });

  test('the backup function is told that jobs are followed, and the hang time', () => {
    const { template } = synthBackup({ hangAfter: Duration.hours(3) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Submits and verifies the CockroachDB backups of TestStack/Backup',
      Environment: { Variables: { FOLLOW_STATE_PARAMETER: { Ref: Match.stringLikeRegexp('^BackupFollowState') }, HANG_AFTER_SECONDS: '10800' } },
    });
  });

  test('BackupHungAlarm watches BackupHung over one follow interval', () => {
    const { template } = synthBackup();
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'BackupHung', Period: 300, Threshold: 1, TreatMissingData: 'ignore' });
  });
});
