import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { grantSecretRead, ReadableSecret } from '../credentials/secrets-key';
import { BackupFunctionParts, FunctionPlacement, packagedFunction } from './backup-function';
import { runSchedule, schedulerRole } from './backup-schedules';
import { BACKUP_LAMBDA_ASSET_DIR, BACKUP_LAMBDA_HANDLER } from './lambda-asset';
import { checkDurationSeconds, describeDuration, invalid } from '../validation';

/** How often the follow check looks, by default: a job's end is told at most this long after it (plus the look). */
export const DEFAULT_FOLLOW_INTERVAL = Duration.minutes(5);
/** How long a running job's progress may stand still before it is reported hung, by default. */
export const DEFAULT_HANG_AFTER = Duration.hours(1);
/** The longest follow interval that keeps the promise: an end told within 15 minutes (10 minutes plus a look of at most FOLLOW_TIMEOUT). */
const MAX_FOLLOW_INTERVAL = Duration.minutes(10);
/** A look is a state read and one or two SHOW JOBS: a minute is ample, and a hung connection ends before the next look. */
const FOLLOW_TIMEOUT = Duration.minutes(1);

export interface ResolvedJobFollowing {
  readonly interval: Duration;
  readonly hangAfter: Duration;
}

/** Validates `followInterval` (whole minutes, 1 to 10) and `hangAfter` (whole minutes, at least two looks, at most 7 days). */
export function resolveJobFollowing(scope: Construct, followInterval: Duration | undefined, hangAfter: Duration | undefined): ResolvedJobFollowing {
  const interval = followInterval ?? DEFAULT_FOLLOW_INTERVAL;
  const hang = hangAfter ?? DEFAULT_HANG_AFTER;
  const intervalSeconds = checkDurationSeconds(scope, 'followInterval', interval, Duration.minutes(1), MAX_FOLLOW_INTERVAL);
  if (intervalSeconds !== undefined && intervalSeconds % 60 !== 0) {
    invalid(scope, 'followInterval', describeDuration(interval), 'whole minutes from 1 to 10 (the follow schedule is rate(<n> minutes))');
  }
  const hangSeconds = checkDurationSeconds(scope, 'hangAfter', hang, Duration.minutes(2), Duration.days(7));
  if (hangSeconds !== undefined && intervalSeconds !== undefined && hangSeconds < 2 * intervalSeconds) {
    invalid(scope, 'hangAfter', describeDuration(hang), `at least two follow intervals (${Duration.seconds(2 * intervalSeconds).toHumanString()}): one look cannot tell a pause in progress from a hang`);
  }
  return { interval, hangAfter: hang };
}

/** The follow checks' state ('FollowState'): what they saw at their previous look (only the follow function writes it). */
export function followStateParameter(scope: Construct): ssm.StringParameter {
  return new ssm.StringParameter(scope, 'FollowState', {
    description: `State of the follow checks of ${scope.node.path}: the backup jobs running and the ends told lately (written by the follow function)`,
    stringValue: '{}',
    tier: ssm.ParameterTier.STANDARD,
  });
}

export interface FollowFunctionSettings extends FunctionPlacement {
  /** The backup function's environment: the same settings, read the same way. */
  readonly environment: Record<string, string>;
  readonly connectionSecret: ReadableSecret;
  readonly state: ssm.IStringParameter;
  readonly interval: Duration;
}

/**
 * The follow function ('FollowFunction', 'FollowLogGroup', 'FollowFunctionRole'): the backup
 * Lambda's bundle, invoked only with `{"kind":"follow"}`. A function of its own, because the
 * backup function's reserved concurrency of 1 would throttle a look that fires while a backup
 * run works (and the throttle alarm would cry wolf), and its role is narrower: the
 * connection secret (never the access key) and the state parameter.
 */
export function followFunction(scope: Construct, settings: FollowFunctionSettings): BackupFunctionParts {
  const parts = packagedFunction(scope, {
    ids: { logGroup: 'FollowLogGroup', role: 'FollowFunctionRole', fn: 'FollowFunction' },
    roleDescription: `Role of the follow function of ${scope.node.path}: its log group, the connection secret and the follow state`,
    description: `Follows the CockroachDB backup jobs of ${scope.node.path} until they end`,
    assetDir: BACKUP_LAMBDA_ASSET_DIR,
    handler: BACKUP_LAMBDA_HANDLER,
    what: 'follow function',
    statements: [new iam.PolicyStatement({ actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: [settings.state.parameterArn] })],
    timeout: FOLLOW_TIMEOUT,
    memorySize: 256,
    // A look that waited longer than one interval is replaced by the next one.
    maxEventAge: settings.interval,
    ...settings,
  });
  grantSecretRead(parts.role, settings.connectionSecret);
  return parts;
}

/** The schedule ('FollowSchedule', role 'FollowScheduleRole') that sends `{"kind":"follow"}` every `interval`. */
export function scheduleFollowChecks(scope: Construct, fn: lambda.IFunction, interval: Duration): scheduler.Schedule {
  return runSchedule(scope, 'FollowSchedule', {
    fn,
    role: schedulerRole(scope, 'FollowScheduleRole', fn, 'follow function'),
    event: { kind: 'follow' },
    description: `Follow check of the CockroachDB backup jobs of ${scope.node.path}`,
    expression: scheduler.ScheduleExpression.rate(interval),
    interval,
  });
}
