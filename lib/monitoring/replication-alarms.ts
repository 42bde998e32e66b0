import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { BackupMonitoring, EVENT_ALARM_PERIOD, eventAlarm } from './monitoring';

/** The replication rule whose metrics the alarms watch. */
export interface ReplicationRuleMetrics {
  readonly sourceBucketName: string;
  readonly destinationBucketName: string;
  readonly ruleId: string;
  /** The longest an object may wait for its replica before the latency alarm fires. */
  readonly latencyThreshold: Duration;
}

/** The alarms `replicationAlarms` creates. */
export interface ReplicationAlarms {
  readonly failedAlarm: cloudwatch.Alarm;
  readonly latencyAlarm: cloudwatch.Alarm;
}

/**
 * One of the metrics S3 publishes, in the source bucket's region, for a replication rule with
 * `Metrics` enabled (S3 User Guide, "Monitoring progress with replication metrics").
 */
function replicationMetric(rule: ReplicationRuleMetrics, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/S3',
    metricName,
    dimensionsMap: { SourceBucket: rule.sourceBucketName, DestinationBucket: rule.destinationBucketName, RuleId: rule.ruleId },
    statistic,
    period: EVENT_ALARM_PERIOD,
  });
}

/**
 * 'ReplicationFailedAlarm' (an event alarm: OperationsFailedReplication Sum >= 1 in 5 minutes, an object that S3
 * will not retry, e.g. the copy's key or bucket policy refused it) and 'ReplicationLatencyAlarm'
 * (ReplicationLatency Maximum above the threshold), under the monitoring construct, to the alarm
 * topic and on the dashboard.
 *
 * Missing data is not breaching for both: S3 publishes these metrics only while it has
 * replication work for the rule, so an idle collection (between backups) sends no datapoint, and
 * that is the healthy state. A copy that stops receiving anything because no backup ran is the
 * RPO alarm's concern; one that stops because replication broke shows failed operations.
 */
export function replicationAlarms(monitoring: BackupMonitoring, rule: ReplicationRuleMetrics): ReplicationAlarms {
  const failed = replicationMetric(rule, 'OperationsFailedReplication', cloudwatch.Stats.SUM);
  const latency = replicationMetric(rule, 'ReplicationLatency', cloudwatch.Stats.MAXIMUM);
  const failedAlarm = eventAlarm(
    monitoring,
    'ReplicationFailedAlarm',
    failed,
    `S3 failed to replicate backup files from ${rule.sourceBucketName} to the off-site copy ${rule.destinationBucketName} ` +
      '(rule ' + rule.ruleId + '): those objects are not in the copy and S3 does not retry them. First read the failure reason ' +
      "(S3 Event Notifications s3:Replication:OperationFailedReplication, or the object's x-amz-replication-status FAILED); " +
      "the usual causes are the copy's bucket or key policy, or the replication role's policy (docs/offsite-copy.md, \"Alarms\"). " +
      'Replicate the failed objects again with S3 Batch Replication once fixed.',
  );
  const latencyAlarm = new cloudwatch.Alarm(monitoring, 'ReplicationLatencyAlarm', {
    metric: latency,
    threshold: rule.latencyThreshold.toSeconds(),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription:
      `Backup files waited more than ${rule.latencyThreshold.toHumanString()} to reach the off-site copy ${rule.destinationBucketName}: ` +
      'the copy lags behind the primary. Look at BytesPendingReplication and OperationsPendingReplication of the rule ' +
      `${rule.ruleId}; a large full backup can take long, a growing backlog means throttling or a broken destination.`,
  });
  monitoring.notify([failedAlarm, latencyAlarm]);
  monitoring.dashboard?.addWidgets(
    new cloudwatch.GraphWidget({
      title: `Off-site copy: replication to ${rule.destinationBucketName}`,
      // Labels only here: a labelled metric would turn the alarms into metric-math alarms.
      left: [failed.with({ label: 'Failed replications' }), replicationMetric(rule, 'OperationsPendingReplication', cloudwatch.Stats.MAXIMUM).with({ label: 'Pending operations' })],
      right: [latency.with({ label: 'Latency (seconds)' })],
      width: 12,
    }),
    new cloudwatch.AlarmStatusWidget({ title: 'Off-site copy alarms', alarms: [failedAlarm, latencyAlarm], width: 12 }),
  );
  return { failedAlarm, latencyAlarm };
}
