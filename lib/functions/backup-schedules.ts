import { Duration, Stack, TimeZone, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { BackupEvent, BackupKind } from '../../contract/backup-event';
import { RetirePreviousKeyEvent } from '../../contract/rotation';
import { MAX_ALARM_WINDOW } from '../monitoring/monitoring';
import { nagValueName } from '../nag';
import { checkScheduleExpression, checkTimeZoneName, describeDuration, invalid } from '../validation';

/** Full backups at local midnight, every day (CockroachDB's own default with hourly incrementals). */
export const DEFAULT_FULL_SCHEDULE_CRON = { minute: '0', hour: '0' } as const;

/** The shortest run interval the monitoring and the Lambda accept; the longest is the RPO alarm's window. */
const MIN_INTERVAL = Duration.minutes(1);

/**
 * The regular step between two runs of a schedule expression, or undefined when it
 * cannot be read from the expression. Understood: `rate(n unit)`, and `cron(...)` whose
 * month and year are `*`, with
 * - a minute step (`*\/n`, `a/n`, `a-b/n`) under hour `*`: n minutes;
 * - a single minute and an hour step (`*`, `a-b`, `*\/n`, `a/n`, `a-b/n`) or an hour list
 *   (the smallest gap between listed hours): that many hours;
 * - a single minute and hour every day (day-of-month and day-of-week `*` or `?`): 1 day;
 * - a single minute, hour and day of week: 7 days.
 * For the default incremental schedule (hours 1-23, the full backup taking hour 0) the
 * step is 1 hour: the full backup fills the gap the incrementals leave.
 */
export function scheduleInterval(expression: string): Duration | undefined {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate !== null) {
    const n = Number(rate[1]);
    return rate[2].startsWith('minute') ? Duration.minutes(n) : rate[2].startsWith('hour') ? Duration.hours(n) : Duration.days(n);
  }
  const cron = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/.exec(expression);
  if (cron === null) return undefined;
  const [, minute, hour, dayOfMonth, month, dayOfWeek, year] = cron;
  if (month !== '*' || year !== '*') return undefined;
  const everyDay = isAny(dayOfMonth) && isAny(dayOfWeek);
  const minuteStep = stepOf(minute, 59);
  if (minuteStep !== undefined) {
    return hour === '*' && everyDay ? Duration.minutes(minuteStep) : undefined;
  }
  if (!isSingle(minute)) return undefined;
  if (isSingle(hour)) {
    if (everyDay) return Duration.days(1);
    return dayOfMonth === '?' && isSingleDay(dayOfWeek) ? Duration.days(7) : undefined;
  }
  const hourStep = stepOf(hour, 23) ?? smallestGap(hour);
  return hourStep !== undefined && everyDay ? Duration.hours(hourStep) : undefined;
}

function isAny(field: string): boolean {
  return field === '*' || field === '?';
}

function isSingle(field: string): boolean {
  return /^\d{1,2}$/.test(field);
}

function isSingleDay(field: string): boolean {
  return /^([1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)$/.test(field);
}

/** `*` → 1, `a-b` → 1, `*\/n`, `a/n`, `a-b/n` → n; anything else → undefined. */
function stepOf(field: string, max: number): number | undefined {
  if (field === '*' || /^\d{1,2}-\d{1,2}$/.test(field)) return 1;
  const step = /^(\*|\d{1,2}|\d{1,2}-\d{1,2})\/(\d{1,2})$/.exec(field);
  if (step === null) return undefined;
  const n = Number(step[2]);
  return n >= 1 && n <= max ? n : undefined;
}

/** The smallest gap between the values of a list such as `0,1,3,4`. */
function smallestGap(field: string): number | undefined {
  if (!/^\d{1,2}(,\d{1,2})+$/.test(field)) return undefined;
  const values = field.split(',').map(Number).sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < values.length; i++) gap = Math.min(gap, values[i] - values[i - 1]);
  return gap >= 1 ? gap : undefined;
}

/**
 * The default incremental schedule for a full schedule: hourly at the full backup's
 * minute, skipping the full backup's hour when the full backup runs once a day at a
 * fixed time (`cron(M H * * ? *)`), so that the two never fire together. A full backup
 * on another pattern (weekly, say) gets plain hourly incrementals: once in a while both
 * fire in the same minute, and reserved concurrency 1 plus the job table make the later
 * one wait or skip.
 */
export function defaultIncrementalCron(fullExpression: string): string {
  const daily = /^cron\((\d{1,2}) (\d{1,2}) [*?] \* [*?] \*\)$/.exec(fullExpression);
  if (daily === null) return 'cron(0 * * * ? *)';
  const [, minute, hourText] = daily;
  const hour = Number(hourText);
  const hours = hour === 0 ? '1-23' : hour === 23 ? '0-22' : allHoursExcept(hour);
  return `cron(${Number(minute)} ${hours} * * ? *)`;
}

function allHoursExcept(hour: number): string {
  return Array.from({ length: 24 }, (_, h) => h)
    .filter((h) => h !== hour)
    .join(',');
}

export interface ScheduleSettings {
  readonly incremental?: scheduler.ScheduleExpression;
  readonly full?: scheduler.ScheduleExpression;
  readonly timeZone?: TimeZone;
  readonly incrementalInterval?: Duration;
}

export interface ResolvedSchedules {
  readonly incremental: scheduler.ScheduleExpression;
  readonly full: scheduler.ScheduleExpression;
  /** The incremental schedule's interval: INCREMENTAL_INTERVAL_SECONDS and the RPO alarm's window. */
  readonly runInterval: Duration;
}

/**
 * The time between two firings of `expression`: `stated` when given, else read from the
 * expression (rate() and simple cron()); refused, naming `prop`, when it can be neither.
 */
export function intervalOf(
  scope: Construct,
  prop: string,
  expression: scheduler.ScheduleExpression,
  stated: Duration | undefined,
  statedHint: string,
): Duration {
  const derived = Token.isUnresolved(expression.expressionString) ? undefined : scheduleInterval(expression.expressionString);
  const interval = stated ?? derived;
  if (interval === undefined) {
    invalid(scope, prop, `'${expression.expressionString}', whose interval cannot be derived`, `a rate() or a simple cron() expression, or ${statedHint}`);
  }
  return interval;
}

/**
 * Resolves the two schedule expressions and the run interval, and validates them: an IANA
 * time zone, valid expressions that fire (checkScheduleExpression), each schedule in the
 * configured time zone, an interval that can be read or is stated, and a full schedule no
 * more frequent than the incremental one.
 */
export function resolveSchedules(scope: Construct, settings: ScheduleSettings): ResolvedSchedules {
  if (settings.timeZone !== undefined) checkTimeZoneName(scope, 'timeZone', settings.timeZone.timezoneName);
  const timeZone = settings.timeZone ?? TimeZone.ETC_UTC;
  const full = settings.full ?? scheduler.ScheduleExpression.cron({ ...DEFAULT_FULL_SCHEDULE_CRON, timeZone });
  checkScheduleExpression(scope, 'fullSchedule', full);
  checkTimeZone(scope, 'fullSchedule', full, settings.timeZone);
  const incremental =
    settings.incremental ?? scheduler.ScheduleExpression.expression(defaultIncrementalCron(full.expressionString), timeZone);
  checkScheduleExpression(scope, 'incrementalSchedule', incremental);
  checkTimeZone(scope, 'incrementalSchedule', incremental, settings.timeZone);

  const runInterval = intervalOf(scope, 'incrementalSchedule', incremental, settings.incrementalInterval, 'the incrementalInterval prop stating the time between two runs');
  if (!runInterval.isUnresolved()) {
    const seconds = runInterval.toSeconds({ integral: false });
    if (seconds < MIN_INTERVAL.toSeconds() || seconds > MAX_ALARM_WINDOW.toSeconds() || !Number.isInteger(seconds)) {
      invalid(
        scope,
        settings.incrementalInterval !== undefined ? 'incrementalInterval' : 'the interval of incrementalSchedule',
        describeDuration(runInterval),
        'a whole number of seconds from 1 minute to 7 days (the longest window a CloudWatch alarm evaluates)',
      );
    }
    const fullInterval = Token.isUnresolved(full.expressionString) ? undefined : scheduleInterval(full.expressionString);
    if (fullInterval !== undefined && fullInterval.toSeconds() < seconds) {
      invalid(
        scope,
        'fullSchedule',
        `'${full.expressionString}' (every ${fullInterval.toHumanString()})`,
        `a schedule no more frequent than the incremental one (every ${runInterval.toHumanString()}): ` +
          'full backups are the expensive ones',
      );
    }
  }
  return { incremental, full, runInterval };
}

/**
 * A given schedule carries its own time zone (aws-scheduler's ScheduleExpression
 * defaults to UTC); when the timeZone prop is set too, a cron schedule must agree with
 * it, so that no schedule runs in a time zone nobody meant. rate() has no time zone.
 */
export function checkTimeZone(scope: Construct, prop: string, expression: scheduler.ScheduleExpression, timeZone: TimeZone | undefined): void {
  if (timeZone === undefined || expression.expressionString.startsWith('rate(')) return;
  const own = expression.timeZone?.timezoneName ?? TimeZone.ETC_UTC.timezoneName;
  if (own !== timeZone.timezoneName) {
    invalid(
      scope,
      prop,
      `'${expression.expressionString}' in time zone ${own}`,
      `a schedule in the timeZone prop's ${timeZone.timezoneName}: pass it with ScheduleExpression.cron({ ..., timeZone }) or ScheduleExpression.expression(expr, timeZone)`,
    );
  }
}

export interface BackupScheduleParts extends Record<BackupKind, scheduler.Schedule> {
  /** The role every schedule of the construct invokes the function with. */
  readonly role: iam.Role;
}

/**
 * The two EventBridge Scheduler schedules ('IncrementalSchedule', 'FullSchedule') that
 * invoke the function with `{"kind":"incremental"}` and `{"kind":"full"}`, through one
 * role ('ScheduleRole') that may invoke only this function.
 *
 * EventBridge Scheduler rather than EventBridge rules: rules evaluate cron in UTC only,
 * while full backups belong in local off-peak hours, across daylight-saving changes.
 */
export function backupSchedules(scope: Construct, fn: lambda.IFunction, schedules: ResolvedSchedules): BackupScheduleParts {
  const role = schedulerRole(scope, 'ScheduleRole', fn, 'backup Lambda');
  const schedule = (id: string, kind: BackupKind, expression: scheduler.ScheduleExpression): scheduler.Schedule =>
    runSchedule(scope, id, {
      fn,
      role,
      event: { kind },
      description: `${kind === 'full' ? 'Full' : 'Incremental'} CockroachDB backup of ${scope.node.path}`,
      expression,
      interval: schedules.runInterval,
    });
  return {
    incremental: schedule('IncrementalSchedule', 'incremental', schedules.incremental),
    full: schedule('FullSchedule', 'full', schedules.full),
    role,
  };
}

/**
 * A role ('<id>') through which this account's EventBridge Scheduler may invoke `fn`
 * (`what`, e.g. "backup Lambda") and nothing else; the schedules' LambdaInvoke targets grant it.
 */
export function schedulerRole(scope: Construct, id: string, fn: lambda.IFunction, what: string): iam.Role {
  const role = new iam.Role(scope, id, {
    description: `Lets EventBridge Scheduler invoke the ${what} of ${scope.node.path}`,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  });
  // LambdaInvoke grants lambda:InvokeFunction on the function and on its versions and
  // aliases (`<arn>:*`); only $LATEST is ever invoked, and the role trusts only this
  // account's Scheduler, so the wildcard reaches nothing beyond this one function.
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagValueName(scope, fn.functionArn)}:*]`,
    reason:
      `The wildcard covers the versions and aliases of this one ${what} (aws-scheduler-targets' LambdaInvoke ` +
      'grants them with the function); the role can invoke no other function.',
  });
  return role;
}

export interface RunScheduleSettings {
  readonly fn: lambda.IFunction;
  readonly role: iam.IRole;
  /** What the function receives: a run kind, or the rotation function's retirement. */
  readonly event: BackupEvent | RetirePreviousKeyEvent;
  readonly description: string;
  readonly expression: scheduler.ScheduleExpression;
  /** Time between two firings of this schedule: an event older than that is dropped. */
  readonly interval: Duration;
}

/**
 * One schedule that invokes the function with `event`. Scheduler invokes the
 * function asynchronously; its own retries (2) cover a failed hand-over to Lambda, and an
 * event older than one interval (1 minute to 24 hours) is dropped, because the next firing
 * does the same work.
 */
export function runSchedule(scope: Construct, id: string, settings: RunScheduleSettings): scheduler.Schedule {
  return new scheduler.Schedule(scope, id, {
    description: settings.description,
    schedule: settings.expression,
    target: new targets.LambdaInvoke(settings.fn, {
      role: settings.role,
      input: scheduler.ScheduleTargetInput.fromObject(settings.event),
      retryAttempts: 2,
      maxEventAge: clampDuration(settings.interval, Duration.minutes(1), Duration.hours(24)),
    }),
  });
}

/** The duration limited to [min, max]; a token is returned as it is. */
export function clampDuration(duration: Duration, min: Duration, max: Duration): Duration {
  if (duration.isUnresolved()) return duration;
  const seconds = Math.min(Math.max(duration.toSeconds({ integral: false }), min.toSeconds()), max.toSeconds());
  return Duration.seconds(Math.round(seconds));
}
