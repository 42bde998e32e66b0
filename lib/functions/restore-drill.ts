import { Duration, TimeZone, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { checkTimeZone, intervalOf, ResolvedSchedules, runSchedule } from './backup-schedules';
import { checkDurationSeconds, invalid, checkScheduleExpression } from '../validation';

/**
 * Scheduled restore drills: `RESTORE ... WITH schema_only, verify_backup_table_data, DETACHED`
 * of the newest chain, as of a time inside it, into databases named so that they cannot
 * collide with yours, verified through the job and dropped afterwards. The SQL user then
 * also needs `GRANT SYSTEM RESTORE` (README, "What verified means").
 */
export interface RestoreDrillOptions {
  /**
   * When drills run. Its time zone must match `timeZone` when both are set. A drill reads
   * every row of the backup from S3 and uses the cluster's CPU to verify checksums: keep it
   * in off-peak hours.
   * @default weekly on Sunday, 3.5 hours after a daily full backup's time in `timeZone`, at a
   * minute at which no cron backup schedule fires (with the default schedules:
   * `cron(30 3 ? * SUN *)`); Sunday 03:30 when the full schedule is not daily
   */
  readonly schedule?: scheduler.ScheduleExpression;

  /**
   * The databases a drill restores, each as `RESTORE DATABASE <name> ... WITH new_db_name`.
   * @default every database in the backup
   */
  readonly databases?: string[];

  /**
   * Time between two drills: the drill-age alarm fires when the newest successful drill is
   * older than twice this. Needed only when it cannot be read from `schedule` (rate() and
   * simple cron() expressions can be read). From 1 hour to 90 days.
   * @default derived from `schedule`
   */
  readonly interval?: Duration;

  /**
   * Drill the oldest point the `retention` window promises (now minus `retention`, from the chain
   * that serves it, named in the RESTORE) instead of a point inside the newest chain: it proves
   * the window's far end restores, the point the expiry rule comes closest to. One more SQL
   * round trip per drill (`SHOW BACKUPS IN`). Only with `retention`.
   * @default false: a point inside the newest chain
   */
  readonly oldestInWindow?: boolean;
}

/** The shortest and longest drill intervals accepted: a drill reads every row; the age alarm's threshold is twice the interval. */
const MIN_DRILL_INTERVAL = Duration.hours(1);
const MAX_DRILL_INTERVAL = Duration.days(90);

/** How long after a daily full backup the default drill runs: its chain then holds a few incrementals to restore as of. */
const DRILL_AFTER_FULL_MINUTES = 3 * 60 + 30;

export interface ResolvedRestoreDrill {
  readonly schedule: scheduler.ScheduleExpression;
  readonly interval: Duration;
  /** DRILL_DATABASES: comma-separated, empty for every database. */
  readonly databases: string;
  /** DRILL_OLDEST_IN_WINDOW: drill the oldest point of the retention window. */
  readonly oldestInWindow: boolean;
}

/**
 * The default drill time for the backup schedules: 3.5 hours after a daily full backup
 * (`cron(M H * * ? *)`; Sunday 03:30 otherwise), moved on to the next minute of the hour at
 * which neither cron schedule fires, so that a drill never meets a backup run (with the
 * default schedules, whose incrementals share the full backup's minute: on the half hour).
 * A rate() schedule fires at minutes fixed by its creation time and cannot be avoided: a run
 * that meets a drill waits in Lambda's queue (reserved concurrency 1).
 */
export function defaultDrillCron(fullExpression: string, incrementalExpression: string): { minute: string; hour: string } {
  const daily = /^cron\((\d{1,2}) (\d{1,2}) [*?] \* [*?] \*\)$/.exec(fullExpression);
  const start = daily === null ? 3 * 60 + 30 : (Number(daily[2]) * 60 + Number(daily[1]) + DRILL_AFTER_FULL_MINUTES) % (24 * 60);
  const busy = new Set([...(cronMinutes(fullExpression) ?? []), ...(cronMinutes(incrementalExpression) ?? [])]);
  const free = Array.from({ length: 60 }, (_, k) => (start + k) % 60).find((minute) => !busy.has(minute)) ?? start % 60;
  return { minute: String(free), hour: String(Math.floor(start / 60)) };
}

/**
 * The minutes of the hour at which a cron expression fires (its minute field: `*`, `a`,
 * `a-b`, with `/n` steps, comma lists); undefined for rate() and fields not understood.
 */
export function cronMinutes(expression: string): Set<number> | undefined {
  const field = /^cron\((\S+) /.exec(expression)?.[1];
  if (field === undefined) return undefined;
  const minutes = new Set<number>();
  for (const part of field.split(',')) {
    const range = /^(\*|\d{1,2})(?:-(\d{1,2}))?(?:\/(\d{1,2}))?$/.exec(part);
    if (range === null) return undefined;
    const first = range[1] === '*' ? 0 : Number(range[1]);
    const last = range[2] !== undefined ? Number(range[2]) : range[1] === '*' || range[3] !== undefined ? 59 : first;
    const step = range[3] === undefined ? 1 : Number(range[3]);
    if (step < 1) return undefined;
    for (let minute = first; minute <= last; minute += step) minutes.add(minute);
  }
  return minutes;
}

/**
 * Resolves and validates the drill options: a schedule in the configured time zone, an
 * interval that can be read or is stated (1 hour to 90 days), database names that survive
 * the comma-separated DRILL_DATABASES variable. Tokens are skipped.
 */
export function resolveRestoreDrill(
  scope: Construct,
  options: RestoreDrillOptions,
  backupSchedules: ResolvedSchedules,
  timeZone: TimeZone | undefined,
  retentionSet = false,
): ResolvedRestoreDrill {
  if (options.oldestInWindow === true && !retentionSet) {
    invalid(scope, 'restoreDrill.oldestInWindow', 'true without retention', 'retention to be set: the oldest point of the window is now minus retention');
  }
  const zone = timeZone ?? TimeZone.ETC_UTC;
  const drillTime = defaultDrillCron(backupSchedules.full.expressionString, backupSchedules.incremental.expressionString);
  const schedule = options.schedule ?? scheduler.ScheduleExpression.cron({ ...drillTime, weekDay: 'SUN', timeZone: zone });
  if (options.schedule !== undefined) {
    checkScheduleExpression(scope, 'restoreDrill.schedule', schedule);
    checkTimeZone(scope, 'restoreDrill.schedule', schedule, timeZone);
  }
  const interval = intervalOf(scope, 'restoreDrill.schedule', schedule, options.interval, 'restoreDrill.interval stating the time between two drills');
  if (interval.isUnresolved()) {
    invalid(scope, 'restoreDrill.interval', 'a token', 'a concrete duration: twice it is the drill-age alarm threshold');
  }
  checkDurationSeconds(scope, options.interval !== undefined ? 'restoreDrill.interval' : 'the interval of restoreDrill.schedule', interval, MIN_DRILL_INTERVAL, MAX_DRILL_INTERVAL);
  return { schedule, interval, databases: checkDatabases(scope, options.databases), oldestInWindow: options.oldestInWindow === true };
}

/**
 * The names joined for DRILL_DATABASES; a name may hold any character but the separator,
 * and no space at either end (the Lambda trims each name it splits off).
 */
function checkDatabases(scope: Construct, databases: string[] | undefined): string {
  if (databases === undefined) return '';
  if (databases.length === 0) {
    invalid(scope, 'restoreDrill.databases', 'an empty list', 'at least one database name, or no databases option for every database');
  }
  for (const name of databases) {
    if (Token.isUnresolved(name)) continue;
    if (name.trim() === '' || name.trim() !== name || name.includes(',')) {
      invalid(
        scope,
        'restoreDrill.databases',
        `[${databases.map((d) => JSON.stringify(d)).join(', ')}]`,
        'database names that are not empty, contain no comma and no space at either end',
      );
    }
  }
  return databases.join(',');
}

/**
 * The drills' state ('DrillState'): the Lambda keeps no state of its own, but a drill
 * outlives the run that submits it (a detached RESTORE job) and the age of the newest
 * successful drill cannot be read from storage, so this parameter holds both, read on every
 * run and written after drills (DRILL_STATE_PARAMETER). Created as `{}`; CloudFormation
 * writes it again only when its template value changes, so a deploy never resets the
 * Lambda's state.
 */
export function drillStateParameter(scope: Construct): ssm.StringParameter {
  return new ssm.StringParameter(scope, 'DrillState', {
    description: `State of the restore drills of ${scope.node.path}: the pending drill job and the newest successful drill (written by the backup Lambda)`,
    stringValue: '{}',
    tier: ssm.ParameterTier.STANDARD,
  });
}

/**
 * Lets the function get and put the state parameter, and nothing else in Parameter Store,
 * and schedules the drills ('DrillSchedule', `{"kind":"restore-drill"}`) with the backup
 * schedules' role.
 */
export function scheduleRestoreDrills(
  scope: Construct,
  fn: lambda.IFunction,
  scheduleRole: iam.IRole,
  state: ssm.IStringParameter,
  drill: ResolvedRestoreDrill,
): scheduler.Schedule {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter', 'ssm:PutParameter'],
      resources: [state.parameterArn],
    }),
  );
  return runSchedule(scope, 'DrillSchedule', {
    fn,
    role: scheduleRole,
    event: { kind: 'restore-drill' },
    description: `Restore drill of the CockroachDB backups of ${scope.node.path}`,
    expression: drill.schedule,
    interval: drill.interval,
  });
}
