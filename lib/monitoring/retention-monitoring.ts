import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { BackupMonitoring, rpoAlarmWindow } from './monitoring';
import { RetentionWindow } from '../storage/retention-window';

/**
 * The parameter 'RetentionPromise': its value states the promise, and CloudFormation rewrites it
 * when retention is set or changed, so its LastModifiedDate is when the current promise began.
 * The Lambda reads only that date (ssm:GetParameter): a collection younger than the promise is
 * not a broken window, and the Lambda keeps no state of its own to know its age.
 */
export function retentionPromiseParameter(scope: Construct, fn: lambda.IFunction, window: RetentionWindow): ssm.StringParameter {
  const parameter = new ssm.StringParameter(scope, 'RetentionPromise', {
    description: `The retention promise of ${scope.node.path}: every point of the last ${window.retentionDays} days restorable (read by the backup Lambda)`,
    stringValue: JSON.stringify({ retentionDays: window.retentionDays, expirationDays: window.expirationDays }),
    tier: ssm.ParameterTier.STANDARD,
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameter.parameterArn] }));
  return parameter;
}

/**
 * 'RetentionWindowAlarm': the restorable window is shorter than promised (RetentionShortfallSeconds
 * Maximum >= 1 second in a window of one run interval): a chain older than the promise is gone
 * or unreadable (an expiry rule changed by hand, backups deleted, the collection moved). Runs
 * that stop reporting are the RPO alarm's concern, so missing data is not breaching.
 */
export function retentionWindowAlarm(monitoring: BackupMonitoring, collection: string, runInterval: Duration, window: RetentionWindow): cloudwatch.Alarm {
  const slices = rpoAlarmWindow(runInterval);
  const alarm = new cloudwatch.Alarm(monitoring, 'RetentionWindowAlarm', {
    metric: monitoring.metric('retentionShortfall', { period: slices.period }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: slices.evaluationPeriods,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription:
      `The oldest restorable point of the CockroachDB backups of ${collection} is younger than the ${window.retentionDays}-day ` +
      'retention promises (or than the time since the promise was made). First run SHOW BACKUPS IN on the collection: the ' +
      'oldest full backup listed is where restores can start (docs/retention.md, "Finding the oldest restorable point"); then ' +
      "check the bucket's lifecycle rules and its CloudTrail data events for deletions under the collection prefix.",
  });
  monitoring.notify([alarm]);
  return alarm;
}
