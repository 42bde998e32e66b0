import { LOG_EVENTS } from '../../../contract/metrics';
import { BackupSettings } from '../connect/config';
import { FAILED_STATUSES, PAUSED_STATUS } from '../observe/job';
import { writeJsonLine } from './log';
import { embeddedMetrics, MetricValues } from './metrics';
import { BackupResult, DrillSummary, VANISHED_STATUS } from './result';
import { FileCheck } from '../verify/file-check';
import { isBackupKind } from '../run';

/**
 * The backup metrics of a backup run (contract/metrics.ts):
 * - BackupSubmitted: BACKUP statements that returned a job;
 * - BackupSucceeded / BackupFailed: reported jobs that ended so (jobValues). With following
 *   on (the construct), each job the Lambda submitted is told once, by the look that first
 *   sees its end (docs/job-following.md). Without (the local runner), a job that ended
 *   between two runs is reported by the next run (window INCREMENTAL_INTERVAL_SECONDS) and a
 *   job the run verified itself may be counted again by the next run. The alarm fires on
 *   Sum >= 1 (lib/monitoring/monitoring.ts), so a repeat cannot hide or invent a failure. BackupFailed also counts every paused job on every
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
  // The run's own job's failure is counted once: by this run when it tells it, by the follow
  // check that tells its end when jobs are followed.
  const ownEnd = result.status !== undefined && (FAILED_STATUSES.includes(result.status) || result.status === PAUSED_STATUS);
  const ownFailureShown =
    result.jobId !== undefined && (result.reportedJobs.some((j) => j.jobId === result.jobId && j.status !== 'succeeded') || (result.jobsFollowed === true && ownEnd));
  const jobs = jobValues(result);
  const values: MetricValues = {
    ...jobs,
    submitted: result.submittedJobIds.length,
    failed: (jobs.failed as number) + (result.action === 'failed' && !ownFailureShown ? 1 : 0),
    skipped: result.action === 'skipped' ? 1 : 0,
  };
  if (result.newestBackupAgeSeconds !== undefined) values.newestBackupAge = result.newestBackupAgeSeconds;
  if (result.chainLength !== undefined) values.chainLength = result.chainLength;
  if (result.retriedWithFreshKey) values.retriedWithFreshKey = 1;
  if (result.oldestRestorableAgeSeconds !== undefined) values.oldestRestorableAge = result.oldestRestorableAgeSeconds;
  if (result.retentionShortfallSeconds !== undefined) values.retentionShortfall = result.retentionShortfallSeconds;
  return values;
}

/**
 * What the reported jobs and the followed jobs still running say, for backup runs and
 * follow checks alike: BackupSucceeded / BackupFailed per reported job (a job whose row
 * vanished counts as failed: its outcome is unknown), BackupDurationSeconds per ended job,
 * and with following on, BackupFractionCompleted per running job and BackupHung per hung one
 * (0 when none, so that the hang alarm sees data on every look).
 */
function jobValues(result: BackupResult): MetricValues {
  const ended = result.reportedJobs.filter((j) => j.status === 'succeeded' || FAILED_STATUSES.includes(j.status));
  const values: MetricValues = {
    succeeded: ended.filter((j) => j.status === 'succeeded').length,
    failed: result.reportedJobs.filter((j) => FAILED_STATUSES.includes(j.status) || j.status === PAUSED_STATUS || j.status === VANISHED_STATUS).length,
    duration: ended.flatMap((j) => (j.durationSeconds === undefined ? [] : [j.durationSeconds])),
  };
  if (result.following !== undefined) {
    values.fractionCompleted = result.following.running.map((j) => j.fraction);
    values.hung = result.following.hung.length;
  }
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

/** A follow check: what it saw of the jobs, and BackupFailed 1 when it could not look (state, secrets, connection). */
function followValues(result: BackupResult): MetricValues {
  const jobs = jobValues(result);
  return result.action === 'failed' ? { ...jobs, failed: (jobs.failed as number) + 1 } : jobs;
}

/** The metric values of a run, whatever its kind. */
export function metricValues(result: BackupResult): MetricValues {
  return {
    ...(isBackupKind(result.kind) ? backupValues(result) : result.kind === 'follow' ? followValues(result) : {}),
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

/**
 * Writes the run's metrics (embedded metric format, with the run's kind), one line per job
 * whose end (or pause) it tells (`event: 'backup job ended'`: the dashboard's table of jobs
 * by id, kind and duration, lib/monitoring/monitoring.ts), and its one summary line.
 */
export function publishRun(result: BackupResult, settings: BackupSettings, now: Date = new Date()): void {
  writeJsonLine({
    ...embeddedMetrics(settings.metricsNamespace, settings.bucketName, settings.collection, metricValues(result), now),
    RunKind: result.kind,
  });
  for (const job of result.reportedJobs) {
    writeJsonLine({ level: job.status === 'succeeded' ? 'INFO' : 'ERROR', event: LOG_EVENTS.jobEnded, bucket: settings.bucketName, collection: settings.collection, ...job });
  }
  writeJsonLine({
    level: needsAttention(result) ? 'ERROR' : 'INFO',
    summary: 'backup run',
    bucket: settings.bucketName,
    collection: settings.collection,
    ...result,
  });
}
