import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { COLLECTION_DIMENSION, DEFAULT_METRICS_NAMESPACE, LOG_EVENTS, MetricKey, METRICS } from '../../contract/metrics';
import { allowAlarmNotifications, denyGrantsExceptForAwsServices } from '../keys/key-policies';
import { invalid } from '../validation';

/**
 * The statistic that makes sense for each metric of the contract: counters add up
 * within a period, gauges and durations report their worst (largest) sample.
 * `ChainLength` has the unit Count but is a gauge (summing two runs' chain lengths
 * means nothing), so the statistic is chosen per metric, not per unit.
 * `satisfies Record<MetricKey, ...>` makes a metric added to the contract fail to
 * compile here until someone decides its statistic.
 */
const METRIC_STATISTICS = {
  submitted: cloudwatch.Stats.SUM,
  succeeded: cloudwatch.Stats.SUM,
  failed: cloudwatch.Stats.SUM,
  skipped: cloudwatch.Stats.SUM,
  newestBackupAge: cloudwatch.Stats.MAXIMUM,
  duration: cloudwatch.Stats.MAXIMUM,
  chainLength: cloudwatch.Stats.MAXIMUM,
  filesChecked: cloudwatch.Stats.SUM,
  filesMissing: cloudwatch.Stats.SUM,
  filesNotChecked: cloudwatch.Stats.SUM,
  drillSucceeded: cloudwatch.Stats.SUM,
  drillFailed: cloudwatch.Stats.SUM,
  drillCleanupFailed: cloudwatch.Stats.SUM,
  newestDrillAge: cloudwatch.Stats.MAXIMUM,
  oldestRestorableAge: cloudwatch.Stats.MINIMUM,
  retentionShortfall: cloudwatch.Stats.MAXIMUM,
  retriedWithFreshKey: cloudwatch.Stats.SUM,
  fractionCompleted: cloudwatch.Stats.MINIMUM,
  hung: cloudwatch.Stats.SUM,
  rotationSucceeded: cloudwatch.Stats.SUM,
  rotationFailed: cloudwatch.Stats.SUM,
  previousKeyRetired: cloudwatch.Stats.SUM,
} as const satisfies Record<MetricKey, string>;

/** CloudWatch periods of a minute or more are whole minutes. */
const MINUTE_SECONDS = 60;
/** The longest period used: one datapoint a day keeps a long interval's window in few periods. */
const MAX_PERIOD_SECONDS = 86_400;
/**
 * The longest window (period x evaluation periods) a CloudWatch alarm evaluates, and so
 * the longest run interval the RPO alarm can watch.
 */
export const MAX_ALARM_WINDOW = Duration.days(7);
const MAX_WINDOW_SECONDS = MAX_ALARM_WINDOW.toSeconds();
/**
 * How much later than one interval after the previous run a run may report: a Lambda
 * runs at most 15 minutes (its timeout quota), so reports drift by up to that much.
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
const REPORT_DRIFT_SECONDS = 15 * 60;

/** How the RPO alarm slices time: `evaluationPeriods` periods of `period` cover one run interval. */
export interface RpoAlarmWindow {
  readonly period: Duration;
  readonly evaluationPeriods: number;
}

/**
 * The RPO alarm's window for a run interval. The Lambda reports the backup age once per
 * run, so the window must span one interval or it would see no data between runs.
 *
 * - Up to a day: one period, the interval rounded up to whole minutes (CloudWatch
 *   periods are multiples of 60 s, so 90 s becomes 120 s). A run that reports a little
 *   later than the previous one leaves a sliding window briefly empty, but with one
 *   evaluation period CloudWatch then judges the newest real datapoint in its
 *   evaluation range instead of filling the gap, so this does not fire the alarm.
 * - Longer: daily periods (the longest used), all of which must breach, so the one
 *   period holding the run's report keeps the alarm OK. Here CloudWatch fills empty
 *   periods with the missing-data treatment, so the window also covers the
 *   15-minute drift of report times where the 7-day cap leaves room (a 2-day interval
 *   gets 3 periods; a weekly interval gets exactly 7 and no room: a weekly run that
 *   reports later than the week before raises the alarm until it reports).
 *
 * PutMetricAlarm caps period x evaluation periods at 7 days (1 day for periods under
 * an hour, which here always means a single period):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 * How alarms fill missing datapoints within their evaluation range:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data
 */
export function rpoAlarmWindow(runInterval: Duration): RpoAlarmWindow {
  if (runInterval.isUnresolved()) {
    throw new Error(
      'BackupMonitoring: runInterval must be a concrete duration to size the RPO alarm period, received a token',
    );
  }
  const intervalSeconds = runInterval.toSeconds({ integral: false });
  if (intervalSeconds <= 0 || intervalSeconds > MAX_WINDOW_SECONDS) {
    throw new Error(
      'BackupMonitoring: runInterval must be more than 0 and at most 7 days (the longest window a CloudWatch ' +
        `alarm evaluates), received ${runInterval.toHumanString()}`,
    );
  }
  if (intervalSeconds <= MAX_PERIOD_SECONDS) {
    const wholeMinutes = Math.ceil(intervalSeconds / MINUTE_SECONDS);
    return { period: Duration.seconds(wholeMinutes * MINUTE_SECONDS), evaluationPeriods: 1 };
  }
  const evaluationPeriods = Math.min(
    Math.ceil((intervalSeconds + REPORT_DRIFT_SECONDS) / MAX_PERIOD_SECONDS),
    MAX_WINDOW_SECONDS / MAX_PERIOD_SECONDS,
  );
  return { period: Duration.seconds(MAX_PERIOD_SECONDS), evaluationPeriods };
}

/** Period of the alarms on events (a failed backup, a Lambda error or throttle). */
export const EVENT_ALARM_PERIOD = Duration.minutes(5);

/**
 * An alarm on something that should never happen: one occurrence (Sum >= 1) in
 * 5 minutes fires it. No data means nothing happened, so missing data is not
 * breaching; runs that stop happening are the RPO alarm's concern.
 */
export function eventAlarm(scope: Construct, id: string, metric: cloudwatch.IMetric, alarmDescription: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription,
  });
}

/** The alarms `addRotationAlarms` creates on the access-key rotation. */
export interface RotationAlarms {
  /** A rotation step or a retirement of a previous key failed. */
  readonly rotationFailedAlarm: cloudwatch.Alarm;
  /** The rotation function ended with an error. */
  readonly functionErrorsAlarm: cloudwatch.Alarm;
}

/** How the follow checks run, for `addFollowAlarms`. */
export interface FollowAlarmSettings {
  /** How often the follow function looks: the hang alarm's period. */
  readonly interval: Duration;
  /** How long a running job's progress may stand still before it counts as hung. */
  readonly hangAfter: Duration;
}

/** The alarms `addFollowAlarms` creates on the follow checks. */
export interface FollowAlarms {
  /** A running backup job's progress stood still for `hangAfter`. */
  readonly hungAlarm: cloudwatch.Alarm;
  /** The follow function ended with an error. */
  readonly functionErrorsAlarm: cloudwatch.Alarm;
}

/**
 * An alarm on an age every run reports (the newest backup's, the newest drill's): it fires
 * when the age is above `maxAgeSeconds` in every period of `window`, or when no run reported
 * it (missing data is breaching: a Lambda that stopped running lets the age grow silently).
 */
export function reportedAgeAlarm(
  scope: Construct,
  id: string,
  metric: cloudwatch.IMetric,
  window: RpoAlarmWindow,
  maxAgeSeconds: number,
  alarmDescription: string,
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: maxAgeSeconds,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: window.evaluationPeriods,
    datapointsToAlarm: window.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    alarmDescription,
  });
}

export interface BackupMonitoringProps {
  /** The scheduled backup Lambda; its Errors and Throttles metrics get alarms. */
  readonly backupFunction: lambda.IFunction;

  /**
   * Value of the `Collection` dimension the Lambda puts on every metric, made with
   * `collectionDimensionValue(bucketName, collection)` from `contract/metrics.ts`.
   * May be a token (a bucket name CloudFormation generates).
   */
  readonly collectionDimensionValue: string;

  /**
   * Recovery point objective: the RPO alarm fires when the newest successful
   * backup is older than this, or when the Lambda stops reporting that age.
   * Choose it larger than `runInterval` plus the time a backup takes, or the
   * alarm fires between two healthy runs.
   */
  readonly rpo: Duration;

  /**
   * Interval of the most frequent (incremental) schedule. The Lambda reports the
   * backup age once per run, so the RPO alarm's evaluation window must cover one
   * interval; see `rpoAlarmWindow`. At most 7 days (the longest window a CloudWatch
   * alarm can evaluate); must not be a token.
   */
  readonly runInterval: Duration;

  /**
   * CloudWatch namespace the Lambda publishes its metrics in.
   * @default DEFAULT_METRICS_NAMESPACE ('CockroachBackup')
   */
  readonly metricsNamespace?: string;

  /**
   * Topic that receives every alarm's ALARM and OK notifications. A topic you pass
   * in must let `cloudwatch.amazonaws.com` publish to it (and use its KMS key, if
   * it is encrypted with a customer managed key); this construct does not change it.
   * @default a new topic encrypted with a new customer managed KMS key, TLS-only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * Customer managed KMS key of the new alarm topic. Its key policy gets a statement that
   * lets CloudWatch alarms use it. Pass the key you give `logEncryptionKey` to manage
   * one key for the backup's logs and notifications. Cannot be combined with `alarmTopic`.
   * @default a new customer managed key with rotation, used only by the topic
   */
  readonly alarmTopicKey?: kms.IKey;

  /**
   * Create a CloudWatch dashboard with the backup outcomes, the age of the newest
   * backup against the RPO, durations, chain length and the Lambda's errors.
   * @default false
   */
  readonly dashboard?: boolean;
}

/**
 * Alarms, metrics and an optional dashboard for one backup collection: a backup
 * that fails, a backup that grows older than the RPO, a Lambda that errors or is
 * throttled all notify the alarm topic, so no failure stays silent.
 *
 * Every metric comes from `contract/metrics.ts`, the definition the Lambda emits
 * (embedded metric format) with the one `Collection` dimension.
 *
 * Thresholds: the one that is a real choice, the RPO, is a prop. The other three
 * alarms fire on a single occurrence because each occurrence is an incident, so
 * there is no `alarms` override prop; every alarm is a public property for whatever
 * else a team wants (more actions, a composite alarm). CloudFormation names the
 * alarms; the construct IDs are stable, so `cdk diff` never replaces them.
 */
export class BackupMonitoring extends Construct {
  /** The topic every alarm notifies, on ALARM and on OK. */
  public readonly alarmTopic: sns.ITopic;
  /** `BackupFailed` Sum >= 1 within 5 minutes. */
  public readonly backupFailedAlarm: cloudwatch.Alarm;
  /** `NewestBackupAgeSeconds` Maximum > RPO, or no report within the window `rpoAlarmWindow` gives. */
  public readonly rpoAlarm: cloudwatch.Alarm;
  /** The Lambda's `Errors` Sum >= 1 within 5 minutes. */
  public readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** The Lambda's `Throttles` Sum >= 1 within 5 minutes. */
  public readonly functionThrottlesAlarm: cloudwatch.Alarm;
  /** The dashboard, when `dashboard: true`. */
  public readonly dashboard?: cloudwatch.Dashboard;

  private readonly namespace: string;
  private readonly collection: string;

  constructor(scope: Construct, id: string, props: BackupMonitoringProps) {
    super(scope, id);
    this.namespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;
    this.collection = props.collectionDimensionValue;
    if (props.rpo.isUnresolved()) {
      throw new Error(
        'BackupMonitoring: rpo must be a concrete duration (it is the RPO alarm threshold), received a token',
      );
    }
    const window = rpoAlarmWindow(props.runInterval);

    if (props.alarmTopic !== undefined && props.alarmTopicKey !== undefined) {
      invalid(
        this,
        'alarmTopicKey',
        'set together with alarmTopic',
        'either a topic of your own or a key for the new topic, not both: a key cannot change a topic this construct does not create',
      );
    }
    this.alarmTopic = props.alarmTopic ?? this.createAlarmTopic(props.alarmTopicKey);
    const eventSum = { period: EVENT_ALARM_PERIOD, statistic: cloudwatch.Stats.SUM };
    const functionErrors = props.backupFunction.metricErrors(eventSum);
    const functionThrottles = props.backupFunction.metricThrottles(eventSum);

    this.backupFailedAlarm = this.eventAlarm(
      'BackupFailedAlarm',
      this.metricFailed({ period: EVENT_ALARM_PERIOD }),
      `A CockroachDB backup of ${this.collection} failed (a job ended failed or revert-failed, was canceled ` +
        'by a person, is paused (counted on every run until it is resumed or canceled), or a run failed ' +
        'before it could submit). First read the summary line of the failed run in the ' +
        "backup Lambda's log group: it names the job id and CockroachDB's error; then look at the job with " +
        'SHOW JOB <id> on the cluster.',
    );

    // Why these settings: the Lambda reports NewestBackupAgeSeconds once per run, so a
    // period shorter than the run interval would hold no data most of the time (see
    // rpoAlarmWindow). Missing data is BREACHING because a Lambda that stops running
    // (schedule disabled, function deleted, permissions broken before it can report)
    // lets the backups age silently: that is an incident as much as an old backup.
    // CloudWatch fills missing periods only once its evaluation range (a few periods)
    // holds fewer real datapoints than the evaluation periods, so with one period a
    // stopped Lambda is noticed a few periods after its last report, not after one.
    this.rpoAlarm = reportedAgeAlarm(
      this,
      'RpoAlarm',
      this.metricNewestBackupAge({ period: window.period }),
      window,
      props.rpo.toSeconds(),
      `The newest successful CockroachDB backup of ${this.collection} is older than the RPO ` +
        `(${props.rpo.toHumanString()}), or the backup Lambda stopped reporting it. First check whether ` +
        "the backup Lambda still runs (its schedule is enabled, its log group has recent runs); then read " +
        'the BackupFailed alarm and the latest run summaries for failed or skipped backups.',
    );

    this.functionErrorsAlarm = this.eventAlarm(
      'FunctionErrorsAlarm',
      functionErrors,
      `The backup Lambda of ${this.collection} ended with an error (an unhandled exception, a timeout ` +
        "or running out of memory), so the run may not have reported its outcome. First read the function's " +
        'log group around the alarm time for the error or "Task timed out"; the next run reports any job ' +
        'this run submitted, and the RPO alarm fires if no backup succeeds in time.',
    );

    // Lambda retries a throttled asynchronous invocation until the event reaches its
    // maximum age (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html);
    // lib/functions/backup-function.ts sets that age to one run interval, at most 6 hours.
    this.functionThrottlesAlarm = this.eventAlarm(
      'FunctionThrottlesAlarm',
      functionThrottles,
      `The backup Lambda of ${this.collection} was throttled. It has a reserved concurrency of 1, so two ` +
        'schedules fired at the same time (a full and an incremental) or a run overran the next scheduled ' +
        'run. First compare the run durations in the log group with the schedule interval. Lambda queues a ' +
        'throttled scheduled (asynchronous) invocation and retries it until it is one run interval old (at ' +
        'most 6 hours), then drops it: the next scheduled run does the same work, so a backup is late, not ' +
        'lost, unless throttles continue.',
    );

    this.notify(this.alarms());

    if (props.dashboard) {
      this.dashboard = this.createDashboard(props.rpo, window.period, functionErrors, functionThrottles);
    }
  }

  /** The four alarms, in the order the dashboard shows them. */
  private alarms(): cloudwatch.Alarm[] {
    return [this.backupFailedAlarm, this.rpoAlarm, this.functionErrorsAlarm, this.functionThrottlesAlarm];
  }

  /** `eventAlarm` in this construct. */
  private eventAlarm(id: string, metric: cloudwatch.Metric, alarmDescription: string): cloudwatch.Alarm {
    return eventAlarm(this, id, metric, alarmDescription);
  }

  /**
   * One metric of the contract for this collection: the contract's name, this
   * namespace, the `Collection` dimension and the statistic that fits the metric.
   * The unit is not set: CloudWatch uses a metric's unit as a filter, and a unit
   * never identifies a metric, so leaving it out cannot hide data. Unless `props`
   * says otherwise the period is CloudWatch's default of 5 minutes and the statistic
   * is Sum for counts and Maximum for ages, durations and the chain length.
   */
  public metric(key: MetricKey, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: METRICS[key].name,
      dimensionsMap: { [COLLECTION_DIMENSION]: this.collection },
      statistic: METRIC_STATISTICS[key],
      ...props,
    });
  }

  /** File checks that finished, passed or not (Sum). */
  public metricFilesChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('filesChecked', props);
  }

  /** Files that finished checks reported missing (Sum; 0 when a check passed). */
  public metricFilesMissing(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('filesMissing', props);
  }

  /** File checks that ran out of their time budget or could not run: not checked, never passed (Sum). */
  public metricFilesNotChecked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('filesNotChecked', props);
  }

  /** Restore drills whose job succeeded (Sum). */
  public metricDrillSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('drillSucceeded', props);
  }

  /** Restore drills that failed or could not be submitted (Sum). */
  public metricDrillFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('drillFailed', props);
  }

  /** Drills whose restored databases could not be dropped (Sum). */
  public metricDrillCleanupFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('drillCleanupFailed', props);
  }

  /** Age in seconds of the newest successful restore drill, reported by every run when drills are on (Maximum). */
  public metricNewestDrillAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('newestDrillAge', props);
  }

  /** Backup jobs submitted (Sum). */
  public metricSubmitted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('submitted', props);
  }

  /** Backup jobs that succeeded (Sum). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('succeeded', props);
  }

  /** Backup jobs that failed, and runs that failed before submitting (Sum). */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('failed', props);
  }

  /** Runs that took no backup because one was still running (Sum). */
  public metricSkipped(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('skipped', props);
  }

  /** Age in seconds of the newest successful backup, reported once per run (Maximum). */
  public metricNewestBackupAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('newestBackupAge', props);
  }

  /** Duration in seconds of backup jobs that ended (Maximum). */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('duration', props);
  }

  /** Incrementals on the newest full backup (Maximum). */
  public metricChainLength(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('chainLength', props);
  }

  /** Fraction completed of the backup jobs still running, at each follow check (Minimum: the slowest job). */
  public metricFractionCompleted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('fractionCompleted', props);
  }

  /** Running backup jobs whose progress stood still for `hangAfter`, at each follow check (Sum; 0 when none). */
  public metricHung(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('hung', props);
  }

  /**
   * Alarms on the follow checks (lib/functions/job-following.ts), to the alarm topic: 'BackupHungAlarm'
   * when a look finds a job whose progress stood still for `hangAfter` (every look reports
   * BackupHung, 0 when none, so the period is the follow interval; without data, as when the
   * follow function fails, the alarm keeps its state and 'FollowFunctionErrorsAlarm' speaks),
   * and 'FollowFunctionErrorsAlarm'. With a dashboard, it gains the jobs' progress, a table of
   * every job's end by id, kind and duration (the log lines the follow function writes), and
   * these alarms.
   */
  public addFollowAlarms(
    followFunction: lambda.IFunction,
    followLogGroup: logs.ILogGroup,
    settings: FollowAlarmSettings,
  ): FollowAlarms {
    const hungAlarm = new cloudwatch.Alarm(this, 'BackupHungAlarm', {
      metric: this.metricHung({ period: settings.interval }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.IGNORE,
      alarmDescription:
        `A CockroachDB backup job of ${this.collection} is hung: it still runs, but its fraction completed has not ` +
        `moved for ${settings.hangAfter.toHumanString()}. The follow function's log names it (Logs Insights: ` +
        `filter event = "${LOG_EVENTS.jobHung}" | fields jobId, kind, fraction, since). Look at it with SHOW JOB <id> ` +
        'and the cluster\'s jobs page; if it stays so, PAUSE JOB <id> and RESUME JOB <id>, or CANCEL JOB <id>: the ' +
        'next scheduled run then takes a new backup.',
    });
    const functionErrorsAlarm = this.eventAlarm(
      'FollowFunctionErrorsAlarm',
      followFunction.metricErrors({ period: EVENT_ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      `The follow function of ${this.collection} ended with an error (the state, the connection secret or the ` +
        "connection): backup jobs' ends are not told until it works again, then at once. First read its log group.",
    );
    this.notify([hungAlarm, functionErrorsAlarm]);
    this.dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Running backup jobs: fraction completed (slowest)',
        left: [this.metricFractionCompleted({ period: settings.interval, label: 'Fraction completed' })],
        leftYAxis: { min: 0, max: 1 },
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Follow alarms', alarms: [hungAlarm, functionErrorsAlarm], width: 12 }),
      new cloudwatch.LogQueryWidget({
        title: 'Backup jobs by end: id, kind, status, duration, error',
        logGroupNames: [followLogGroup.logGroupName],
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        queryLines: [
          `filter event = "${LOG_EVENTS.jobEnded}"`,
          'fields @timestamp, jobId, kind, status, durationSeconds, error',
          'sort @timestamp desc',
          'limit 100',
        ],
        width: 24,
      }),
    );
    return { hungAlarm, functionErrorsAlarm };
  }

  /** Sends each alarm's ALARM and OK to the alarm topic, as every alarm of the construct does. */
  public notify(alarms: cloudwatch.Alarm[]): void {
    const action = new cloudwatchActions.SnsAction(this.alarmTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  /**
   * Alarms on the access-key rotation function (lib/credentials/access-key-rotation.ts), to the alarm
   * topic and on the dashboard: `RotationFailed` Sum >= 1 (a step failed, so the previous
   * key stays current; or a retirement failed) and the function's `Errors`. Called once by
   * `CockroachBackup` when rotation is on.
   */
  public addRotationAlarms(rotationFunction: lambda.IFunction): RotationAlarms {
    const rotationFailedAlarm = this.eventAlarm(
      'RotationFailedAlarm',
      this.metric('rotationFailed', { period: EVENT_ALARM_PERIOD }),
      `A rotation of the access key of ${this.collection} failed: the previous key stays current and keeps ` +
        "working, and Secrets Manager retries the rotation. First read the rotation function's log group " +
        '(its summary line names the step and the key ids); a createSecret that finds no room means the user ' +
        'still holds a previous key in its grace period.',
    );
    const functionErrorsAlarm = this.eventAlarm(
      'RotationFunctionErrorsAlarm',
      rotationFunction.metricErrors({ period: EVENT_ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      `The access-key rotation function of ${this.collection} ended with an error (a failed step, a timeout, or ` +
        "a failed retirement of a previous key). First read the function's log group around the alarm time.",
    );
    this.notify([rotationFailedAlarm, functionErrorsAlarm]);
    this.dashboard?.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Access key rotation',
        left: [
          this.metric('rotationSucceeded', { label: 'Rotated' }),
          this.metric('rotationFailed', { label: 'Rotation failed' }),
          this.metric('previousKeyRetired', { label: 'Previous keys retired' }),
          this.metric('retriedWithFreshKey', { label: 'Backups retried with a fresh key' }),
        ],
        width: 12,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Rotation alarms', alarms: [rotationFailedAlarm, functionErrorsAlarm], width: 12 }),
    );
    return { rotationFailedAlarm, functionErrorsAlarm };
  }

  /**
   * The alarm on the password rotation function (lib/credentials/password-rotation.ts), to the
   * alarm topic and on the dashboard: the function's `Errors` (every failed step throws, and
   * Secrets Manager keeps the current password and retries). Called once by `CockroachBackup`
   * with `connectionPasswordRotation`.
   */
  public addPasswordRotationAlarm(passwordRotationFunction: lambda.IFunction): cloudwatch.Alarm {
    const alarm = this.eventAlarm(
      'PasswordRotationFunctionErrorsAlarm',
      passwordRotationFunction.metricErrors({ period: EVENT_ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      `A rotation of the SQL password of ${this.collection} failed (or the function timed out): the current password ` +
        "stays current and keeps working, and Secrets Manager retries. Read the function's log group: its summary line " +
        '("summary":"password rotation") names the step; a refusal at setSecret means the cluster setting ' +
        'sql.auth.change_own_password.enabled is off (docs/password-rotation.md).',
    );
    this.notify([alarm]);
    this.dashboard?.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Password rotation', alarms: [alarm], width: 12 }));
    return alarm;
  }

  /**
   * A topic for the alarms, encrypted at rest and TLS-only. cdk-nag 3.0.2's
   * AwsSolutions-SNS3 accepts either (see its rules/sns/SNSTopicSSLPublishOnly), the
   * NIST 800-53, HIPAA and PCI packs require encryption (rules/sns/SNSEncryptedKMS);
   * doing both satisfies every pack. The key is a customer managed key, not the
   * AWS managed `alias/aws/sns`: the AWS managed key's policy cannot be changed to let
   * CloudWatch alarms use it, so alarms could not publish to the topic
   * (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
   * The topic policy that `enforceSSL` creates replaces SNS's default policy, so
   * CloudWatch alarms of this account get an explicit publish grant
   * (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
   */
  private createAlarmTopic(givenKey: kms.IKey | undefined): sns.ITopic {
    const key = givenKey ?? this.createAlarmTopicKey();
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true });
    const cloudwatchAlarms = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const alarmsOfThisAccount = Stack.of(this).formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [cloudwatchAlarms],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { ArnLike: { 'aws:SourceArn': alarmsOfThisAccount } },
      }),
    );
    allowAlarmNotifications(this, key);
    return topic;
  }

  /** The topic's own key, when none is given; it may not be used for grants. */
  private createAlarmTopicKey(): kms.Key {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `Encrypts the backup alarm notifications of ${this.node.path}`,
      enableKeyRotation: true,
      // The key only ever encrypts notifications in flight, nothing stored needs it
      // after the topic is gone; KMS still waits the pending window before deleting.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    denyGrantsExceptForAwsServices(key);
    return key;
  }

  /**
   * Run metrics are graphed with the RPO alarm's period (one datapoint per run), so a
   * run that reports nothing shows as a gap, as the alarm sees it.
   */
  private createDashboard(
    rpo: Duration,
    period: Duration,
    functionErrors: cloudwatch.Metric,
    functionThrottles: cloudwatch.Metric,
  ): cloudwatch.Dashboard {
    const runMetric = { period };
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Backups by outcome',
        left: [
          this.metricSubmitted({ ...runMetric, label: 'Submitted' }),
          this.metricSucceeded({ ...runMetric, label: 'Succeeded' }),
          this.metricFailed({ ...runMetric, label: 'Failed' }),
          this.metricSkipped({ ...runMetric, label: 'Skipped' }),
        ],
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of the newest successful backup (seconds)',
        left: [this.metricNewestBackupAge({ ...runMetric, label: 'Age' })],
        leftAnnotations: [{ value: rpo.toSeconds(), label: `RPO ${rpo.toHumanString()}`, color: cloudwatch.Color.RED }],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Backup duration (seconds)',
        left: [this.metricDuration({ ...runMetric, label: 'Longest job' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Incremental chain length',
        left: [this.metricChainLength({ ...runMetric, label: 'Chain length' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Backup Lambda errors and throttles',
        left: [functionErrors.with({ label: 'Errors' }), functionThrottles.with({ label: 'Throttles' })],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Backup alarms',
        alarms: this.alarms(),
        width: 24,
      }),
    );
    return dashboard;
  }
}
