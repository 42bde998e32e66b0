import { COLLECTION_DIMENSION, METRICS } from '../../../contract/metrics';
import { embeddedMetrics } from '../../../lambda/backup/report/metrics';
import { FileCheck } from '../../../lambda/backup/verify/file-check';
import { metricValues, needsAttention, publishRun } from '../../../lambda/backup/report/publish';
import { BackupResult, DrillSummary } from '../../../lambda/backup/report/result';
import { testSettings } from '../helpers/fixtures';
import { installSecretGuard } from '../helpers/secret-guard';

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

const drills = (fields: Partial<DrillSummary> = {}): DrillSummary => ({ ended: [], pending: [], submitFailures: [], cleanupFailures: [], problems: [], ...fields });
const drillReport = (status: string, cleanup: 'dropped' | 'failed' = 'dropped') => ({
  jobId: '912345678901234999',
  database: 'movr',
  restoredName: 'crdb_backup_drill_movr_20261130t120000',
  asOf: '2026-11-30T11:00:00.000Z',
  status,
  cleanup,
});
const check = (outcome: FileCheck['outcome'], missingFiles: string[] = []): FileCheck => ({ chain: 'newest', outcome, missingFiles, message: outcome });
const verification = (kind: 'check-files' | 'restore-drill', action: BackupResult['action']): BackupResult => ({
  ...base,
  kind,
  action,
  jobId: undefined,
  status: undefined,
  newestBackupAgeSeconds: undefined,
  chainLength: undefined,
  submittedJobIds: [],
});

describe('metricValues of file checks and drills', () => {
  test('counts finished checks, the files they found missing, and checks not made', () => {
    const values = metricValues({ ...base, kind: 'full', fileChecks: [check('missing', ['a.sst', 'b.sst']), check('passed'), check('not-checked')] });
    expect(values).toMatchObject({ filesChecked: 2, filesMissing: 2, filesNotChecked: 1 });
  });

  test('emits no file-check metric when the run made no check', () => {
    expect(metricValues({ ...base, fileChecks: [] })).not.toHaveProperty('filesChecked');
  });

  test('emits no backup metric for a check-files run, not even BackupFailed when it failed', () => {
    const values = metricValues({ ...verification('check-files', 'failed'), fileChecks: [check('not-checked')] });
    expect(values).toEqual({ filesChecked: 0, filesMissing: 0, filesNotChecked: 1 });
  });

  test('counts ended drills, drills not submitted, cleanup failures, and the newest drill age', () => {
    const values = metricValues({
      ...verification('restore-drill', 'failed'),
      drills: drills({ ended: [drillReport('succeeded'), drillReport('failed', 'failed')], submitFailures: ['refused'], cleanupFailures: ['x not dropped'], newestDrillAgeSeconds: 60 }),
    });
    expect(values).toEqual({ drillSucceeded: 1, drillFailed: 2, drillCleanupFailed: 1, newestDrillAge: 60 });
  });

  test('adds the drills a backup run followed to its backup metrics', () => {
    const values = metricValues({ ...base, drills: drills({ ended: [drillReport('succeeded')], newestDrillAgeSeconds: 5 }) });
    expect(values).toMatchObject({ submitted: 1, drillSucceeded: 1, drillFailed: 0, newestDrillAge: 5 });
  });
});

describe('needsAttention', () => {
  test('is false for a clean run and true for a failed one', () => {
    expect(needsAttention(base)).toBe(false);
    expect(needsAttention({ ...base, action: 'failed' })).toBe(true);
  });

  test('is true for a backup that succeeded while a check found files missing', () => {
    expect(needsAttention({ ...base, fileChecks: [check('missing', ['a.sst'])] })).toBe(true);
  });

  test('is true when a followed drill failed or was not cleaned up', () => {
    expect(needsAttention({ ...base, drills: drills({ ended: [drillReport('failed')] }) })).toBe(true);
    expect(needsAttention({ ...base, drills: drills({ cleanupFailures: ['x'] }) })).toBe(true);
    expect(needsAttention({ ...base, drills: drills({ ended: [drillReport('succeeded')] }) })).toBe(false);
  });
});

describe('publishRun', () => {
  test('says which kind ran, in the metrics document and the summary line', () => {
    publishRun({ ...verification('check-files', 'passed'), fileChecks: [check('passed')] }, testSettings(), new Date(0));
    const [metrics, summary] = guard.lines.map((l) => JSON.parse(l));
    expect(metrics).toMatchObject({ RunKind: 'check-files', FilesChecked: 1 });
    expect(summary).toMatchObject({ level: 'INFO', kind: 'check-files', action: 'passed' });
  });

  test('writes one metrics document and one summary line', () => {
    publishRun(base, testSettings(), new Date(0));
    expect(guard.lines).toHaveLength(2);
    const [metrics, summary] = guard.lines.map((l) => JSON.parse(l));
    expect(metrics._aws.CloudWatchMetrics[0].Namespace).toBe('CockroachBackup');
    expect(summary).toMatchObject({ level: 'INFO', summary: 'backup run', action: 'submitted', jobId: '912345678901234567', collection: 'prod_1/cluster' });
  });
});
