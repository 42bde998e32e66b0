import { BackupSettings } from './config';
import { FAILED_STATUSES, PAUSED_STATUS } from './job';
import { writeJsonLine } from './log';
import { embeddedMetrics, MetricValues } from './metrics';
import { BackupResult } from './result';

/**
 * The metric values of a run (contract/metrics.ts):
 * - BackupSubmitted: BACKUP statements that returned a job;
 * - BackupSucceeded / BackupFailed: reported jobs that ended so. A job that ended
 *   between two runs is reported by the next run (window INCREMENTAL_INTERVAL_SECONDS);
 *   a job the run verified itself may be counted again by the next run, since the
 *   Lambda keeps no state. The alarm fires on Sum >= 1 (lib/monitoring.ts), so a repeat
 *   cannot hide or invent a failure. BackupFailed also counts every paused job on every
 *   run (it waits for a person, so the alarm stays on) and a run that failed without a
 *   failed job to show for it (secrets, connection, privilege, a refused decision).
 *   Invalid configuration emits nothing (handler.ts): the Lambda Errors alarm sees it;
 * - BackupSkipped: 1 when a running backup made the run skip;
 * - NewestBackupAgeSeconds, ChainLength: storage's, as known at the end of the run
 *   (backups taken by anyone count, e.g. an operator's full backup as root);
 * - BackupDurationSeconds: one sample per ended reported job;
 * - RetriedWithFreshKey: 1 when a job failed on a rejected key and was retried (only then).
 */
export function metricValues(result: BackupResult): MetricValues {
  const ended = result.reportedJobs.filter((j) => j.status === 'succeeded' || FAILED_STATUSES.includes(j.status));
  const failedJobs = result.reportedJobs.filter((j) => FAILED_STATUSES.includes(j.status) || j.status === PAUSED_STATUS).length;
  const ownFailureShown = result.jobId !== undefined && result.reportedJobs.some((j) => j.jobId === result.jobId && j.status !== 'succeeded');
  const values: MetricValues = {
    submitted: result.submittedJobIds.length,
    succeeded: ended.filter((j) => j.status === 'succeeded').length,
    failed: failedJobs + (result.action === 'failed' && !ownFailureShown ? 1 : 0),
    skipped: result.action === 'skipped' ? 1 : 0,
    duration: ended.flatMap((j) => (j.durationSeconds === undefined ? [] : [j.durationSeconds])),
  };
  if (result.newestBackupAgeSeconds !== undefined) values.newestBackupAge = result.newestBackupAgeSeconds;
  if (result.chainLength !== undefined) values.chainLength = result.chainLength;
  if (result.retriedWithFreshKey) values.retriedWithFreshKey = 1;
  return values;
}

/** Writes the run's metrics (embedded metric format) and its one summary line. */
export function publishRun(result: BackupResult, settings: BackupSettings, now: Date = new Date()): void {
  writeJsonLine(embeddedMetrics(settings.metricsNamespace, settings.bucketName, settings.collection, metricValues(result), now));
  writeJsonLine({
    level: result.action === 'failed' ? 'ERROR' : 'INFO',
    summary: 'backup run',
    bucket: settings.bucketName,
    collection: settings.collection,
    ...result,
  });
}
