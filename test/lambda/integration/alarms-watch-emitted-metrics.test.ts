import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ENV } from '../../../contract/environment';
import { METRICS } from '../../../contract/metrics';
import { CockroachBackup } from '../../../lib';
import { appWithoutBundling } from '../../lib/fixtures';
import { BUCKET, COLLECTION, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

// Issue 5: the Lambda emits the metrics and the construct alarms on them. Both import
// contract/metrics.ts, but only running one against the other shows that the names,
// namespace and dimension the Lambda really logs are the ones the alarms watch.

const guard = installSecretGuard();

/** Emitted by the rotation function (lambda/rotation), not by the backup Lambda. */
const ROTATION_METRICS: readonly string[] = [METRICS.rotationSucceeded.name, METRICS.rotationFailed.name, METRICS.previousKeyRetired.name];

interface AlarmProperties {
  readonly MetricName?: string;
  readonly Namespace?: string;
  readonly Dimensions?: readonly { Name: string; Value: unknown }[];
}

interface EmbeddedMetrics {
  readonly _aws: { CloudWatchMetrics: readonly { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  readonly [key: string]: unknown;
}

/** The construct as a user deploys it, writing into the harness's bucket and collection. */
function synthesizedBackup(): { alarms: AlarmProperties[]; environment: Record<string, string> } {
  const stack = new Stack(appWithoutBundling(), 'Backups', { env: { account: '123456789012', region: 'eu-west-1' } });
  new CockroachBackup(stack, 'Backup', { collection: COLLECTION, bucket: s3.Bucket.fromBucketName(stack, 'Existing', BUCKET) });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties as AlarmProperties);
  // The backup Lambda, not the rotation function: the one with the connection secret.
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((r) => r.Properties.Environment.Variables[ENV.connectionSecretArn] !== undefined)!;
  const variables = fn.Properties.Environment.Variables as Record<string, unknown>;
  // Secret ARNs are tokens here; the harness serves its own secrets under its own ARNs.
  const environment = Object.fromEntries(Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { alarms, environment };
}

function emittedMetrics(lines: readonly string[]): EmbeddedMetrics[] {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Partial<EmbeddedMetrics>;
      return parsed._aws === undefined ? [] : [parsed as EmbeddedMetrics];
    } catch {
      return [];
    }
  });
}

let harness: Harness;

beforeEach(async () => {
  harness = await Harness.start();
});

afterEach(async () => {
  await harness.stop();
});

test("the Lambda, configured by the construct's environment, emits every metric the backup alarms watch, in their namespace and dimension", async () => {
  const { alarms, environment } = synthesizedBackup();
  // No S3_ENDPOINT: as deployed on AWS (the double's nodes reach the S3 server as AWS S3).
  const deployment = harness.deploy(harness.double, environment);
  guard.inspect(await deployment.run('full'));
  guard.inspect(await deployment.run('incremental'));
  // The follow function: the same environment, with its parameter (a token in the template).
  harness.createParameter('/backups/follow-state');
  const follow = harness.deploy(harness.double, { ...environment, [ENV.followStateParameter]: '/backups/follow-state' });
  guard.inspect(await follow.run('follow'));

  const emitted = emittedMetrics(guard.lines);
  expect(emitted).toHaveLength(3);
  const backupAlarms = alarms.filter((alarm) => alarm.Namespace !== 'AWS/Lambda' && !ROTATION_METRICS.includes(alarm.MetricName ?? ''));
  expect(backupAlarms.map((alarm) => alarm.MetricName)).toEqual(expect.arrayContaining(['BackupFailed', 'NewestBackupAgeSeconds']));
  for (const alarm of backupAlarms) {
    expect(alarm.Dimensions).toHaveLength(1);
    const [dimension] = alarm.Dimensions!;
    for (const line of emitted) {
      const [definition] = line._aws.CloudWatchMetrics;
      expect(definition.Namespace).toBe(alarm.Namespace);
      expect(definition.Dimensions).toEqual([[dimension.Name]]);
      expect(line[dimension.Name]).toBe(dimension.Value);
    }
    // Some metrics come from some runs only (the file checks' from full runs): each alarm's from at least one.
    const reporting = emitted.filter((line) => line._aws.CloudWatchMetrics[0].Metrics.some((metric) => metric.Name === alarm.MetricName));
    // Named in the comparison, so that a failure says which alarm watches a metric no run emits.
    expect({ metric: alarm.MetricName, reported: reporting.length > 0 }).toEqual({ metric: alarm.MetricName, reported: true });
    for (const line of reporting) expect(typeof line[alarm.MetricName!]).toBe('number');
  }
  // The two that every backup run reports; every follow check reports BackupHung.
  const [full, incremental, look] = emitted;
  for (const line of [full, incremental]) expect(line).toMatchObject({ BackupFailed: expect.any(Number), NewestBackupAgeSeconds: expect.any(Number) });
  expect(look).toMatchObject({ RunKind: 'follow', BackupHung: 0 });
});
