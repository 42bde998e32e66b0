import { DrillLocation, isDrillLocation } from './drill-location';

/**
 * What the restore drills remember between runs (the Lambda keeps no other state): the
 * drill jobs still running, and when the newest drill succeeded. Kept as JSON in the SSM
 * parameter DRILL_STATE_PARAMETER (drill-state-store.ts); every run reads it.
 */
export interface PendingDrill {
  /** INT8 job id, as the decimal string the driver returned. */
  readonly jobId: string;
  /** The database restored, as the backup names it. */
  readonly database: string;
  /** The name it is restored under (crdb_backup_drill_...): dropped once the job ended. */
  readonly restoredName: string;
  /** The point in time restored (ISO 8601). */
  readonly asOf: string;
  /** When the RESTORE was submitted (ISO 8601). */
  readonly submittedAt: string;
  /** Which copy it reads (absent in states written before off-site copies: the primary). */
  readonly location?: DrillLocation;
}

export interface DrillState {
  readonly pending: readonly PendingDrill[];
  /** When the newest successful drill job finished (ISO 8601); absent before the first. */
  readonly newestSuccess?: string;
  /**
   * Since when drills are expected (ISO 8601): the parameter's last modification as first
   * read, i.e. its creation at deploy. Kept, because later writes move LastModifiedDate.
   */
  readonly since?: string;
}

export const EMPTY_DRILL_STATE: DrillState = { pending: [] };

const JOB_ID = /^[0-9]{1,19}$/;

function isPendingDrill(value: unknown): value is PendingDrill {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.jobId === 'string' &&
    JOB_ID.test(v.jobId) &&
    typeof v.database === 'string' &&
    typeof v.restoredName === 'string' &&
    typeof v.asOf === 'string' &&
    typeof v.submittedAt === 'string' &&
    (v.location === undefined || isDrillLocation(v.location))
  );
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}

/**
 * The state in the parameter's text. The construct creates the parameter before any drill
 * ran, with text that is not such a state (e.g. `{}`): that reads as empty. Entries that are
 * not drills are dropped (a hand-edited parameter), with the reason in `problems`.
 */
export function parseDrillState(text: string | undefined): { state: DrillState; problems: string[] } {
  if (text === undefined || text.trim() === '') return { state: EMPTY_DRILL_STATE, problems: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { state: EMPTY_DRILL_STATE, problems: ['the drill state is not JSON: starting from an empty state (leftover drill databases are dropped by the next drill)'] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { state: EMPTY_DRILL_STATE, problems: ['the drill state is not a JSON object: starting from an empty state'] };
  }
  const raw = parsed as { pending?: unknown; newestSuccess?: unknown; since?: unknown };
  const entries = Array.isArray(raw.pending) ? raw.pending : [];
  const pending = entries.filter(isPendingDrill);
  const problems = pending.length === entries.length ? [] : [`${entries.length - pending.length} pending drill entries of the drill state are malformed and were dropped`];
  const state: DrillState = {
    pending,
    ...(isTime(raw.newestSuccess) ? { newestSuccess: raw.newestSuccess } : {}),
    ...(isTime(raw.since) ? { since: raw.since } : {}),
  };
  return { state, problems };
}

/** The state with `since` set from the parameter's last modification when it has none yet. */
export function withSince(state: DrillState, lastModified: Date | undefined): DrillState {
  return state.since !== undefined || lastModified === undefined ? state : { ...state, since: lastModified.toISOString() };
}

export function serializeDrillState(state: DrillState): string {
  return JSON.stringify({
    pending: state.pending,
    ...(state.newestSuccess === undefined ? {} : { newestSuccess: state.newestSuccess }),
    ...(state.since === undefined ? {} : { since: state.since }),
  });
}

/** The state with these drills added to the pending ones. */
export function withPending(state: DrillState, drills: readonly PendingDrill[]): DrillState {
  return { ...state, pending: [...state.pending, ...drills] };
}

/** The state after a drill job ended: no longer pending; a success that finished later than the newest one becomes the newest. */
export function withEnded(state: DrillState, jobId: string, succeededAt?: Date): DrillState {
  const pending = state.pending.filter((drill) => drill.jobId !== jobId);
  const newer = succeededAt !== undefined && (state.newestSuccess === undefined || succeededAt.getTime() > Date.parse(state.newestSuccess));
  return { ...state, pending, ...(newer ? { newestSuccess: succeededAt.toISOString() } : {}) };
}

/**
 * NewestDrillAgeSeconds: now minus the newest success; before any success, now minus `since`
 * (the parameter's creation at deploy), so that a fresh deployment does not raise the
 * drill-age alarm at once, while drills that never succeed do raise it. Undefined when
 * neither is known.
 */
export function newestDrillAgeSeconds(state: DrillState, now: Date): number | undefined {
  const since = state.newestSuccess ?? state.since;
  return since === undefined ? undefined : Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000));
}

/**
 * The drill-age alarm's condition (the construct alarms when the newest successful drill is
 * older than twice DRILL_INTERVAL_SECONDS), said in the run's log too, so that both agree.
 */
export function staleDrillWarning(ageSeconds: number | undefined, intervalSeconds: number): string | undefined {
  if (ageSeconds === undefined || intervalSeconds <= 0 || ageSeconds <= 2 * intervalSeconds) return undefined;
  const days = (seconds: number): string => `${Math.round((seconds / 86400) * 10) / 10} days`;
  return `no restore drill succeeded for ${days(ageSeconds)}, more than twice the drill interval (${days(intervalSeconds)})`;
}
