import { BackupKind } from '../../../contract/backup-event';
import { isTerminal, JobRow, PAUSED_STATUS } from '../observe/job';

/**
 * A backup job the Lambda submitted and follows by id until it ends (docs/job-following.md).
 * Times are ISO 8601 by the Lambda's clock; the job's own times come from SHOW JOB.
 */
export interface FollowedJob {
  readonly jobId: string;
  readonly kind: BackupKind;
  /** When the run submitted it. */
  readonly submittedAt: string;
  /** The fraction completed last seen (0 until the first look). */
  readonly fraction: number;
  /** When the fraction last moved (the submission until it first does). */
  readonly progressAt: string;
}

/** What the SSM parameter holds: the jobs not yet known to have ended. */
export interface FollowState {
  readonly jobs: readonly FollowedJob[];
}

export const EMPTY_FOLLOW_STATE: FollowState = { jobs: [] };

/** The job row with what following adds: fraction_completed. */
export interface FollowedRow extends JobRow {
  readonly fraction: number;
}

/** A running job whose fraction has not moved for the configured time. */
export interface HungJob {
  readonly jobId: string;
  readonly kind: BackupKind;
  readonly fraction: number;
  /** Since when the fraction has not moved (ISO 8601). */
  readonly since: string;
}

/** What one look at the followed jobs found, and the state to keep. */
export interface FollowStep {
  /** Jobs that ended since the previous look (each told once), and paused jobs (told on every look), with their kind. */
  readonly ended: readonly (FollowedRow & { readonly kind: BackupKind })[];
  /** Jobs the cluster no longer shows (deleted after jobs.retention_time, or never visible). */
  readonly vanished: readonly FollowedJob[];
  /** Jobs still running (not paused), with their fraction completed. */
  readonly running: readonly FollowedJob[];
  readonly hung: readonly HungJob[];
  readonly next: FollowState;
}

/** A new job to follow, as submitted now. */
export function followed(jobId: string, kind: BackupKind, now: Date): FollowedJob {
  return { jobId, kind, submittedAt: now.toISOString(), fraction: 0, progressAt: now.toISOString() };
}

export function withJob(state: FollowState, job: FollowedJob): FollowState {
  return { jobs: [...state.jobs.filter((j) => j.jobId !== job.jobId), job] };
}

/**
 * One look: each followed job against its row (by id). An ended job leaves the state, so
 * it is told exactly once; a paused one is told on every look, as BackupFailed has always
 * counted it, and stays followed (a person may resume it, and its end is told later); a
 * running one keeps its fraction, and its progress time moves only when the fraction does:
 * unmoved for `hangAfterMs`, it is hung.
 */
export function followStep(state: FollowState, rows: readonly FollowedRow[], now: Date, hangAfterMs: number): FollowStep {
  const byId = new Map(rows.map((row) => [row.jobId, row]));
  const ended: FollowStep['ended'][number][] = [];
  const vanished: FollowedJob[] = [];
  const kept: FollowedJob[] = [];
  const running: FollowedJob[] = [];
  const hung: HungJob[] = [];
  for (const job of state.jobs) {
    const row = byId.get(job.jobId);
    if (row === undefined) {
      vanished.push(job);
      continue;
    }
    if (isTerminal(row)) {
      ended.push({ ...row, kind: job.kind });
      continue;
    }
    if (row.status === PAUSED_STATUS) {
      ended.push({ ...row, kind: job.kind });
      kept.push(job);
      continue;
    }
    const moved = row.fraction !== job.fraction;
    const next: FollowedJob = { ...job, fraction: row.fraction, progressAt: moved ? now.toISOString() : job.progressAt };
    kept.push(next);
    running.push(next);
    if (now.getTime() - Date.parse(next.progressAt) >= hangAfterMs) hung.push({ jobId: job.jobId, kind: job.kind, fraction: row.fraction, since: next.progressAt });
  }
  return { ended, vanished, running, hung, next: { jobs: kept } };
}

/** The state as stored: compact JSON. */
export function serializeFollowState(state: FollowState): string {
  return JSON.stringify(state);
}

/**
 * The stored text read back; anything unreadable (the construct's initial `{}`, a value a
 * person edited) is an empty state plus a problem to log, never a failed run: the next
 * submission starts it again.
 */
export function parseFollowState(text: string | undefined): { state: FollowState; problems: string[] } {
  if (text === undefined || text.trim() === '' || text.trim() === '{}') return { state: EMPTY_FOLLOW_STATE, problems: [] };
  try {
    const value = JSON.parse(text) as { jobs?: unknown };
    const jobs = Array.isArray(value.jobs) ? value.jobs.filter(isFollowedJob) : [];
    const dropped = Array.isArray(value.jobs) ? value.jobs.length - jobs.length : 0;
    return { state: { jobs }, problems: dropped === 0 && Array.isArray(value.jobs) ? [] : [`the followed jobs' state held ${dropped} unreadable entries or no job list: ignored`] };
  } catch {
    return { state: EMPTY_FOLLOW_STATE, problems: ["the followed jobs' state is not JSON: starting again with no job followed"] };
  }
}

function isFollowedJob(value: unknown): value is FollowedJob {
  const job = value as Partial<FollowedJob> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.jobId === 'string' &&
    /^[0-9]{1,19}$/.test(job.jobId) &&
    (job.kind === 'full' || job.kind === 'incremental') &&
    typeof job.submittedAt === 'string' &&
    typeof job.fraction === 'number' &&
    typeof job.progressAt === 'string'
  );
}
