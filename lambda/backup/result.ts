import { BackupKind } from '../../contract/backup-event';
import { ClassifiedJob } from './classify';

/** A job the run tells about: one that ended since the previous run, a paused one, or its own. */
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

export type RunAction = 'submitted' | 'skipped' | 'failed';

/** What a run did, returned by the handler and printed by the local runner. */
export interface BackupResult {
  readonly action: RunAction;
  /** The kind of backup the run took, or would have taken. */
  readonly kind: BackupKind;
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
  /** True when a job failed because S3 rejected its key and was retried once with a freshly read key (a rotation). */
  readonly retriedWithFreshKey?: true;
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
