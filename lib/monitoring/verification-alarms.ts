import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BackupMonitoring, EVENT_ALARM_PERIOD, eventAlarm, reportedAgeAlarm, rpoAlarmWindow } from './monitoring';

export interface VerificationAlarmSettings {
  /** The collection as the alarms' descriptions name it (the `Collection` dimension's value). */
  readonly collectionDimensionValue: string;
  /** Interval of the most frequent schedule: every run reports the drill age, so it sizes the drill-age alarm's window. */
  readonly runInterval: Duration;
  /** Time between two restore drills; undefined: drills are off, and so are their alarms. */
  readonly drillInterval?: Duration;
}

/** The alarms on file checks and restore drills; the drill alarms exist only when drills are on. */
export interface VerificationAlarms {
  readonly filesMissingAlarm: cloudwatch.Alarm;
  readonly filesNotCheckedAlarm: cloudwatch.Alarm;
  readonly drillFailedAlarm?: cloudwatch.Alarm;
  readonly drillCleanupFailedAlarm?: cloudwatch.Alarm;
  readonly drillAgeAlarm?: cloudwatch.Alarm;
}

/**
 * The alarms on what the file checks and restore drills report, created inside the
 * monitoring construct next to the backup alarms ('FilesMissingAlarm',
 * 'FilesNotCheckedAlarm'; with drills 'DrillFailedAlarm', 'DrillCleanupFailedAlarm',
 * 'DrillAgeAlarm'), notifying the same topic on ALARM and OK, and their widgets on its
 * dashboard. A check or drill that failed is an incident on its first occurrence, like a
 * failed backup: a backup that cannot be restored is no backup.
 */
export function verificationAlarms(monitoring: BackupMonitoring, settings: VerificationAlarmSettings): VerificationAlarms {
  const collection = settings.collectionDimensionValue;
  const eventPeriod = { period: EVENT_ALARM_PERIOD };
  const filesMissingAlarm = eventAlarm(
    monitoring,
    'FilesMissingAlarm',
    monitoring.metricFilesMissing(eventPeriod),
    `A file check (SHOW BACKUP ... WITH check_files) of the CockroachDB backups of ${collection} found files missing ` +
      'from storage: restores from that chain will fail. First read the summary line of the run in the backup ' +
      "Lambda's log group: it names the missing files; then look for deleted objects, delete markers or lifecycle " +
      'rules on the bucket. Take a full backup (invoke with {"kind":"full"}) to start a complete chain.',
  );
  const filesNotCheckedAlarm = eventAlarm(
    monitoring,
    'FilesNotCheckedAlarm',
    monitoring.metricFilesNotChecked(eventPeriod),
    `A file check of the CockroachDB backups of ${collection} did not finish within fileCheckTimeout or could not ` +
      'run: that chain is not checked, which is never a pass. First read the summary line of the run in the backup ' +
      "Lambda's log group for the reason (a timeout, a connection or privilege error); a timeout on a long chain " +
      'needs a larger fileCheckTimeout (and Lambda timeout) or fewer incrementals.',
  );
  const alarms: VerificationAlarms = {
    filesMissingAlarm,
    filesNotCheckedAlarm,
    ...(settings.drillInterval === undefined ? {} : drillAlarms(monitoring, collection, settings.runInterval, settings.drillInterval)),
  };
  const all = alarmList(alarms);
  monitoring.notify(all);
  if (monitoring.dashboard !== undefined) addWidgets(monitoring, monitoring.dashboard, settings, all);
  return alarms;
}

function drillAlarms(monitoring: BackupMonitoring, collection: string, runInterval: Duration, drillInterval: Duration) {
  const eventPeriod = { period: EVENT_ALARM_PERIOD };
  const drillFailedAlarm = eventAlarm(
    monitoring,
    'DrillFailedAlarm',
    monitoring.metricDrillFailed(eventPeriod),
    `A restore drill (RESTORE ... WITH schema_only, verify_backup_table_data) of the CockroachDB backups of ${collection} ` +
      "failed: the backup could not be read back. First read the summary line of the drill run in the backup Lambda's " +
      'log group: it quotes the job error (a corrupt or missing file, a point in time the chain cannot serve) or the ' +
      'GRANT the SQL user lacks (GRANT SYSTEM RESTORE TO <user>); then SHOW JOB <id> on the cluster.',
  );
  const drillCleanupFailedAlarm = eventAlarm(
    monitoring,
    'DrillCleanupFailedAlarm',
    monitoring.metricDrillCleanupFailed(eventPeriod),
    `Dropping the databases a restore drill of ${collection} restored failed: they are still in the cluster, ` +
      "taking space and names. First read the summary line of the drill run in the backup Lambda's log group: it " +
      'names the databases; drop them (DROP DATABASE <name> CASCADE) as a user that owns them or is admin.',
  );
  // Every run reports the drill age (a drill runs weekly, a backup hourly), so the window is the
  // RPO alarm's: one run interval. Missing data is breaching for the RPO alarm's reason: a
  // Lambda that stopped reporting has stopped drilling too.
  const window = rpoAlarmWindow(runInterval);
  const threshold = drillInterval.toSeconds() * 2;
  const drillAgeAlarm = reportedAgeAlarm(
    monitoring,
    'DrillAgeAlarm',
    monitoring.metricNewestDrillAge({ period: window.period }),
    window,
    threshold,
    `The newest successful restore drill of the CockroachDB backups of ${collection} is older than twice the drill ` +
      `interval (${Duration.seconds(threshold).toHumanString()}), or the backup Lambda stopped reporting it. First ` +
      'check the DrillFailed alarm and the drill runs in the log group (a drill job still running is reported by ' +
      'the next run), then whether the drill schedule is enabled and the Lambda still runs.',
  );
  return { drillFailedAlarm, drillCleanupFailedAlarm, drillAgeAlarm };
}

function alarmList(alarms: VerificationAlarms): cloudwatch.Alarm[] {
  return [alarms.filesMissingAlarm, alarms.filesNotCheckedAlarm, alarms.drillFailedAlarm, alarms.drillCleanupFailedAlarm, alarms.drillAgeAlarm].filter(
    (alarm): alarm is cloudwatch.Alarm => alarm !== undefined,
  );
}

/** A row below the backups' widgets: file checks, and with drills their outcomes and age, then these alarms' states. */
function addWidgets(monitoring: BackupMonitoring, dashboard: cloudwatch.Dashboard, settings: VerificationAlarmSettings, alarms: cloudwatch.Alarm[]): void {
  // One datapoint per run, as the backup widgets graph them.
  const runMetric = { period: rpoAlarmWindow(settings.runInterval).period };
  const fileChecks = new cloudwatch.GraphWidget({
    title: 'File checks',
    left: [
      monitoring.metricFilesChecked({ ...runMetric, label: 'Checked' }),
      monitoring.metricFilesMissing({ ...runMetric, label: 'Files missing' }),
      monitoring.metricFilesNotChecked({ ...runMetric, label: 'Not checked' }),
    ],
    width: settings.drillInterval === undefined ? 24 : 8,
  });
  if (settings.drillInterval === undefined) {
    dashboard.addWidgets(fileChecks);
  } else {
    const limit = settings.drillInterval.toSeconds() * 2;
    dashboard.addWidgets(
      fileChecks,
      new cloudwatch.GraphWidget({
        title: 'Restore drills by outcome',
        left: [
          monitoring.metricDrillSucceeded({ ...runMetric, label: 'Succeeded' }),
          monitoring.metricDrillFailed({ ...runMetric, label: 'Failed' }),
          monitoring.metricDrillCleanupFailed({ ...runMetric, label: 'Cleanup failed' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Age of the newest successful drill (seconds)',
        left: [monitoring.metricNewestDrillAge({ ...runMetric, label: 'Drill age' })],
        leftAnnotations: [{ value: limit, label: `Alarm ${Duration.seconds(limit).toHumanString()}`, color: cloudwatch.Color.RED }],
        width: 8,
      }),
    );
  }
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Verification alarms', alarms, width: 24 }));
}
