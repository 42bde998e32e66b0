import { COLLECTION_DIMENSION, METRICS } from '../../contract/metrics';
import { embeddedMetrics } from '../../lambda/backup/metrics';
import { metricValues, publishRun } from '../../lambda/backup/publish';
import { BackupResult } from '../../lambda/backup/result';
import { testSettings } from './helpers/fixtures';
import { installSecretGuard } from './helpers/secret-guard';

const guard = installSecretGuard();

const base: BackupResult = {
  action: 'submitted',
  kind: 'incremental',
  jobId: '912345678901234567',
  status: 'succeeded',
  newestBackupAgeSeconds: 4,
  chainLength: 2,
  reportedJobs: [],
  message: 'ok',
  submittedJobIds: ['912345678901234567'],
  stats: { sqlRoundTrips: 4, secretFetches: 0 },
};

const reported = (jobId: string, status: string, durationSeconds?: number) => ({
  jobId,
  kind: 'incremental' as const,
  status,
  created: '2026-11-24T11:00:00.000Z',
  durationSeconds,
});

describe('embeddedMetrics', () => {
  test('writes the embedded metric format with the one Collection dimension', () => {
    const document = embeddedMetrics('CockroachBackup', 'backup-bucket', 'prod_1/cluster', { submitted: 1, duration: [3, 5] }, new Date(1_700_000_000_000));
    expect(document).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'CockroachBackup',
            Dimensions: [[COLLECTION_DIMENSION]],
            Metrics: [
              { Name: METRICS.submitted.name, Unit: 'Count' },
              { Name: METRICS.duration.name, Unit: 'Seconds' },
            ],
          },
        ],
      },
      Collection: 'backup-bucket/prod_1/cluster',
      BackupSubmitted: 1,
      BackupDurationSeconds: [3, 5],
    });
  });

  test('leaves out metrics without a value', () => {
    const document = embeddedMetrics('N', 'b', 'c', { duration: [] }, new Date(0)) as { _aws: { CloudWatchMetrics: { Metrics: unknown[] }[] } };
    expect(document._aws.CloudWatchMetrics[0].Metrics).toEqual([]);
    expect(document).not.toHaveProperty('BackupDurationSeconds');
  });
});

describe('metricValues', () => {
  test('counts the submission, the succeeded job and its duration', () => {
    expect(metricValues({ ...base, reportedJobs: [reported('1', 'succeeded', 7)] })).toEqual({
      submitted: 1,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      duration: [7],
      newestBackupAge: 4,
      chainLength: 2,
    });
  });

  test('counts failed, canceled and paused jobs as failures', () => {
    const values = metricValues({ ...base, reportedJobs: [reported('1', 'failed', 1), reported('2', 'canceled', 1), reported('3', 'paused')] });
    expect(values.failed).toBe(3);
  });

  test('counts a run that failed before submitting as one failure', () => {
    expect(metricValues({ ...base, action: 'failed', jobId: undefined, submittedJobIds: [] }).failed).toBe(1);
  });

  test('does not count a failed run twice when its own job is reported failed', () => {
    expect(metricValues({ ...base, action: 'failed', jobId: '5', reportedJobs: [reported('5', 'failed', 2)] }).failed).toBe(1);
  });

  test('counts a skipped run', () => {
    expect(metricValues({ ...base, action: 'skipped', submittedJobIds: [] }).skipped).toBe(1);
  });
});

describe('publishRun', () => {
  test('writes one metrics document and one summary line', () => {
    publishRun(base, testSettings(), new Date(0));
    expect(guard.lines).toHaveLength(2);
    const [metrics, summary] = guard.lines.map((l) => JSON.parse(l));
    expect(metrics._aws.CloudWatchMetrics[0].Namespace).toBe('CockroachBackup');
    expect(summary).toMatchObject({ level: 'INFO', summary: 'backup run', action: 'submitted', jobId: '912345678901234567', collection: 'prod_1/cluster' });
  });
});
