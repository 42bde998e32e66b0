import { BackupSettings } from '../connect/config';
import { FAILED_STATUSES, PAUSED_STATUS } from '../observe/job';
import { writeJsonLine } from './log';
import { embeddedMetrics, MetricValues } from './metrics';
import { BackupResult, DrillSummary } from './result';
import { FileCheck } from '../verify/file-check';
import { isBackupKind } from '../run';

/**
 * The backup metrics of a backup run (contract/metrics.ts):
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
 * - RetriedWithFreshKey: 1 when a job failed on a rejected key and was retried (only then);
 * - OldestRestorableAgeSeconds, RetentionShortfallSeconds: with retention, the window storage
 *   shows (retention/observe-window.ts).
 * `check-files` and `restore-drill` runs emit none of these: their failures are not backups'.
 */
function backupValues(result: BackupResult): MetricValues {
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
  if (result.oldestRestorableAgeSeconds !== undefined) values.oldestRestorableAge = result.oldestRestorableAgeSeconds;
  if (result.retentionShortfallSeconds !== undefined) values.retentionShortfall = result.retentionShortfallSeconds;
  return values;
}

/**
 * The file-check metrics, when the run checked (or tried to): FilesChecked 1 per check that
 * finished, FilesMissing the paths CockroachDB listed (0 when it passed), FilesNotChecked 1
 * per check that ran out of time or could not run.
 */
function fileCheckValues(checks: readonly FileCheck[]): MetricValues {
  if (checks.length === 0) return {};
  const finished = checks.filter((c) => c.outcome !== 'not-checked');
  return {
    filesChecked: finished.length,
    filesMissing: finished.reduce((sum, c) => sum + c.missingFiles.length, 0),
    filesNotChecked: checks.length - finished.length,
  };
}

/**
 * The drill metrics, when drills are on: DrillSucceeded / DrillFailed per drill job that
 * ended (a job that vanished counts as failed) plus DrillFailed per drill that could not be
 * submitted; DrillCleanupFailed per database not dropped; NewestDrillAgeSeconds.
 */
function drillValues(drills: DrillSummary): MetricValues {
  const values: MetricValues = {
    drillSucceeded: drills.ended.filter((r) => r.status === 'succeeded').length,
    drillFailed: drills.ended.filter((r) => r.status !== 'succeeded').length + drills.submitFailures.length,
    drillCleanupFailed: drills.cleanupFailures.length,
  };
  if (drills.newestDrillAgeSeconds !== undefined) values.newestDrillAge = drills.newestDrillAgeSeconds;
  return values;
}

/** The metric values of a run, whatever its kind. */
export function metricValues(result: BackupResult): MetricValues {
  return {
    ...(isBackupKind(result.kind) ? backupValues(result) : {}),
    // A check-files run that failed before it could check is still a check not made.
    ...fileCheckValues(result.fileChecks ?? []),
    ...(result.drills === undefined ? {} : drillValues(result.drills)),
  };
}

/**
 * Whether the summary line is an ERROR: the run failed, or, in a run that otherwise did its
 * job (a full backup that succeeded), a check found files missing or a drill failed or was
 * not cleaned up, so that the log agrees with the FilesMissing and drill alarms.
 */
export function needsAttention(result: BackupResult): boolean {
  const drills = result.drills;
  return (
    result.action === 'failed' ||
    (result.fileChecks ?? []).some((c) => c.outcome === 'missing') ||
    (drills !== undefined && (drills.ended.some((r) => r.status !== 'succeeded') || drills.submitFailures.length + drills.cleanupFailures.length + drills.problems.length > 0))
  );
}

/** Writes the run's metrics (embedded metric format, with the run's kind) and its one summary line. */
export function publishRun(result: BackupResult, settings: BackupSettings, now: Date = new Date()): void {
  writeJsonLine({
    ...embeddedMetrics(settings.metricsNamespace, settings.bucketName, settings.collection, metricValues(result), now),
    RunKind: result.kind,
  });
  writeJsonLine({
    level: needsAttention(result) ? 'ERROR' : 'INFO',
    summary: 'backup run',
    bucket: settings.bucketName,
    collection: settings.collection,
    ...result,
  });
}
