import { BackupKind } from '../../../contract/backup-event';
import { ClassifiedJob } from '../decide/classify';
import { isActive, isTerminal, JobRow, PAUSED_STATUS } from '../observe/job';
import { latestJobInstant } from '../observe/timestamp';

/**
 * What the follow checks remember between looks (docs/job-following.md), as JSON in the SSM
 * parameter FOLLOW_STATE_PARAMETER, which only the follow function writes. Times are ISO
 * 8601; `lookedAt` is the Lambda's clock, job times are SHOW JOB's.
 */
export interface FollowState {
  /** The collection's jobs seen running, followed by id until they end, whatever their age. */
  readonly following: readonly FollowedJob[];
  /** Jobs whose end was told, kept for TOLD_KEPT_MS after it: none is told twice. */
  readonly told: readonly ToldJob[];
  /** When the previous look ran; absent before the first. */
  readonly lookedAt?: string;
}

/** A backup job still running, as a look saw it. */
export interface RunningJob {
  readonly jobId: string;
  readonly kind: BackupKind;
  /** fraction_completed, 0 to 1. */
  readonly fraction: number;
}

export interface FollowedJob extends RunningJob {
  /** When the fraction last moved (when the job was first seen, until it moves). */
  readonly progressAt: string;
}

export interface ToldJob {
  readonly jobId: string;
  readonly finished: string;
}

export const EMPTY_FOLLOW_STATE: FollowState = { following: [], told: [] };

/**
 * A look tells the ended jobs it has not told that ended after the previous look minus this
 * margin (besides every followed job that ended): it absorbs whole-second job times, a
 * cluster clock ahead of or behind the Lambda's, and a look that ran late.
 */
export const TELL_MARGIN_MS = 3600 * 1000;
/** How long a told job is remembered: longer than the margin, so that no look tells it again. */
export const TOLD_KEPT_MS = 2 * TELL_MARGIN_MS;

/** A job row with its kind and fraction_completed, as a look reads it. */
export type SeenJob = ClassifiedJob & { readonly fraction: number };

/** A running job whose fraction has not moved for the configured time. */
export interface HungJob extends RunningJob {
  /** Since when the fraction has not moved (ISO 8601). */
  readonly since: string;
}

/** What one look found, and the state to keep. */
export interface FollowStep {
  /** Jobs that ended since the previous look (each told once), and paused jobs (told on every look). */
  readonly tell: readonly SeenJob[];
  /** Followed jobs the cluster no longer shows, even by id (deleted after jobs.retention_time). */
  readonly vanished: readonly FollowedJob[];
  /** Jobs still running, with their fraction completed. */
  readonly running: readonly FollowedJob[];
  readonly hung: readonly HungJob[];
  readonly next: FollowState;
}

/** The followed jobs `rows` does not show: they must be read by id (SHOW JOBS VALUES), since plain SHOW JOBS forgets a job 12 hours after its end. */
export function missingFollowed(state: FollowState, rows: readonly JobRow[]): string[] {
  const shown = new Set(rows.map((row) => row.jobId));
  return state.following.filter((job) => !shown.has(job.jobId)).map((job) => job.jobId);
}

/**
 * One look over the collection's jobs (`rows`: the visible ones, plus the followed ones read
 * by id): an ended job is told once, if followed or ended after the previous look (minus the
 * margin), and then remembered as told; a paused one is told on every look, as BackupFailed
 * has always counted it; a running one is followed, its progress time moving only when its
 * fraction does: unmoved for `hangAfterMs`, it is hung. The first look tells only followed
 * jobs (there are none): it starts the watch.
 */
export function followStep(state: FollowState, rows: readonly SeenJob[], now: Date, hangAfterMs: number): FollowStep {
  const byId = new Map(rows.map((row) => [row.jobId, row]));
  const followedIds = new Set(state.following.map((job) => job.jobId));
  const toldIds = new Set(state.told.map((job) => job.jobId));
  const since = state.lookedAt === undefined ? now.getTime() : Date.parse(state.lookedAt) - TELL_MARGIN_MS;

  const tell = rows.filter(
    (row) =>
      row.status === PAUSED_STATUS ||
      (isTerminal(row) && row.finished !== undefined && !toldIds.has(row.jobId) && (followedIds.has(row.jobId) || latestJobInstant(row.finished).getTime() > since)),
  );
  const vanished = state.following.filter((job) => !byId.has(job.jobId));

  const previous = new Map(state.following.map((job) => [job.jobId, job]));
  const following: FollowedJob[] = rows
    .filter((row) => isActive(row) || row.status === PAUSED_STATUS)
    .map((row) => {
      const before = previous.get(row.jobId);
      const moved = before === undefined || before.fraction !== row.fraction;
      return { jobId: row.jobId, kind: row.kind, fraction: row.fraction, progressAt: moved ? now.toISOString() : before.progressAt };
    });
  const running = following.filter((job) => isActive(byId.get(job.jobId)!));
  const hung = running
    .filter((job) => now.getTime() - Date.parse(job.progressAt) >= hangAfterMs)
    .map((job) => ({ jobId: job.jobId, kind: job.kind, fraction: job.fraction, since: job.progressAt }));

  const newlyTold = tell.filter((row) => isTerminal(row)).map((row) => ({ jobId: row.jobId, finished: row.finished!.toISOString() }));
  const told = [...state.told, ...newlyTold].filter((job) => Date.parse(job.finished) > now.getTime() - TOLD_KEPT_MS);
  return { tell, vanished, running, hung, next: { following, told, lookedAt: now.toISOString() } };
}

export function serializeFollowState(state: FollowState): string {
  return JSON.stringify(state);
}

/**
 * The stored text read back; anything unreadable (the construct's initial `{}`, a value a
 * person edited) is an empty state plus a problem to log, never a failed look.
 */
export function parseFollowState(text: string | undefined): { state: FollowState; problems: string[] } {
  if (text === undefined || text.trim() === '' || text.trim() === '{}') return { state: EMPTY_FOLLOW_STATE, problems: [] };
  try {
    const value = JSON.parse(text) as Partial<Record<keyof FollowState, unknown>>;
    const following = Array.isArray(value.following) ? value.following.filter(isFollowedJob) : [];
    const told = Array.isArray(value.told) ? value.told.filter(isToldJob) : [];
    const lookedAt = typeof value.lookedAt === 'string' && !Number.isNaN(Date.parse(value.lookedAt)) ? value.lookedAt : undefined;
    const entries = (Array.isArray(value.following) ? value.following.length : 0) + (Array.isArray(value.told) ? value.told.length : 0);
    const dropped = entries - following.length - told.length;
    return { state: { following, told, lookedAt }, problems: dropped === 0 ? [] : [`the follow state held ${dropped} unreadable entries: ignored`] };
  } catch {
    return { state: EMPTY_FOLLOW_STATE, problems: ['the follow state is not JSON: starting again'] };
  }
}

const JOB_ID = /^[0-9]{1,19}$/;

function isFollowedJob(value: unknown): value is FollowedJob {
  const job = value as Partial<FollowedJob> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.jobId === 'string' &&
    JOB_ID.test(job.jobId) &&
    (job.kind === 'full' || job.kind === 'incremental') &&
    typeof job.fraction === 'number' &&
    typeof job.progressAt === 'string'
  );
}

function isToldJob(value: unknown): value is ToldJob {
  const job = value as Partial<ToldJob> | null;
  return typeof job === 'object' && job !== null && typeof job.jobId === 'string' && JOB_ID.test(job.jobId) && typeof job.finished === 'string';
}
