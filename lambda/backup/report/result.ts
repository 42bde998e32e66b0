import { BackupKind, RunKind } from '../../../contract/backup-event';
import { ClassifiedJob } from '../decide/classify';
import { PendingDrill } from '../drill/drill-state';
import { DrillLocation } from '../drill/drill-location';
import { FileCheck } from '../verify/file-check';
import { HungJob, RunningJob } from '../follow/followed-jobs';

/** A job the run tells about: one that ended since the previous run (or look), a paused one, or its own. */
export interface ReportedJob {
  readonly jobId: string;
  readonly kind: BackupKind;
  readonly status: string;
  readonly error?: string;
  readonly created: string;
  readonly finished?: string;
  /** From created to finished, for ended jobs. */
  readonly durationSeconds?: number;
}

/**
 * - `submitted`: a backup job succeeded or still runs; a drill job still runs (the next run reports it);
 * - `skipped`: another backup of the collection was running;
 * - `passed`: a `check-files` or `restore-drill` run whose checks and drills all passed;
 * - `failed`: the run did not do what it was for (a backup, a check, a drill).
 */
export type RunAction = 'submitted' | 'skipped' | 'passed' | 'failed';

/** A restore drill job that ended (or disappeared), and what became of its database. */
export interface DrillJobReport {
  readonly jobId: string;
  readonly database: string;
  readonly restoredName: string;
  /** The point in time restored (ISO 8601). */
  readonly asOf: string;
  /** The job's status, or `disappeared` when SHOW JOB no longer shows it. */
  readonly status: string;
  readonly error?: string;
  /** Whether DROP DATABASE removed what the drill restored. */
  readonly cleanup: 'dropped' | 'failed';
  /** Which copy the drill read (the primary or the off-site copy), when its state recorded it. */
  readonly location?: DrillLocation;
}

/** What a run saw of the restore drills (every run does when DRILL_STATE_PARAMETER is set). */
export interface DrillSummary {
  /** Drill jobs that ended since the previous look: DrillSucceeded / DrillFailed. */
  readonly ended: readonly DrillJobReport[];
  /** Drill jobs still running at the end of the run, followed by the next run. */
  readonly pending: readonly PendingDrill[];
  /** A drill that could not be submitted (no backup, a database not in it, a refusal): DrillFailed each. */
  readonly submitFailures: readonly string[];
  /** DROP DATABASE failures, each naming the database: DrillCleanupFailed each. */
  readonly cleanupFailures: readonly string[];
  /** Anything else that went wrong with the drills' state (logged at ERROR; no metric but a missing NewestDrillAgeSeconds). */
  readonly problems: readonly string[];
  readonly newestDrillAgeSeconds?: number;
  /** A `restore-drill` run: which copy its drills planned and restored from (the primary, or the off-site copy). */
  readonly location?: DrillLocation;
}

/** Status of a followed job that SHOW JOB no longer shows: its outcome is unknown, counted as failed. */
export const VANISHED_STATUS = 'vanished';

/** What following saw of the jobs still running (docs/job-following.md). */
export interface FollowingSummary {
  readonly running: readonly RunningJob[];
  /** Running jobs whose fraction has not moved for HANG_AFTER_SECONDS: BackupHung each. */
  readonly hung: readonly HungJob[];
}

/** What a run did, returned by the handler and printed by the local runner. */
export interface BackupResult {
  readonly action: RunAction;
  /** The kind of run: for backups, the kind of backup the run took, or would have taken. */
  readonly kind: RunKind;
  /** The run's own (last) job, or for `skipped` the running job it did not stack on. */
  readonly jobId?: string;
  /** The last status seen of that job. */
  readonly status?: string;
  /** Now minus the end time of the newest layer in storage (whoever took it) or of the run's own backup. */
  readonly newestBackupAgeSeconds?: number;
  /** Incrementals on the full backup of the chain LATEST points at, as storage shows it. */
  readonly chainLength?: number;
  readonly reportedJobs: readonly ReportedJob[];
  readonly message: string;
  /** Every job id the run's BACKUP statements returned (two when a failed incremental was cured by a full backup). */
  readonly submittedJobIds: readonly string[];
  /** File checks the run made (a `check-files` run, or a full backup run with checks on). */
  readonly fileChecks?: readonly FileCheck[];
  /** The restore drills, when drills are on (DRILL_STATE_PARAMETER) or the run is a drill. */
  readonly drills?: DrillSummary;
  /** True when a job failed because S3 rejected its key and was retried once with a freshly read key (a rotation). */
  readonly retriedWithFreshKey?: true;
  /** A follow check: the collection's jobs still running, and the hung ones. */
  readonly following?: FollowingSummary;
  /** A backup run with following on: the follow checks, not this run, tell how its job ends. */
  readonly jobsFollowed?: true;
  /** With retention: now minus the end of the oldest full backup storage lists (retention/window.ts). */
  readonly oldestRestorableAgeSeconds?: number;
  /** With retention: how much shorter than promised the restorable window is (0: it holds). */
  readonly retentionShortfallSeconds?: number;
  readonly stats: RunStats;
}

/** Costs of a run, for the benchmark. */
export interface RunStats {
  readonly sqlRoundTrips: number;
  readonly secretFetches: number;
}

export function reportJob(job: ClassifiedJob): ReportedJob {
  return {
    jobId: job.jobId,
    kind: job.kind,
    status: job.status,
    error: job.error === '' ? undefined : job.error,
    created: job.created.toISOString(),
    finished: job.finished?.toISOString(),
    durationSeconds: job.finished === undefined ? undefined : Math.max(0, (job.finished.getTime() - job.created.getTime()) / 1000),
  };
}
