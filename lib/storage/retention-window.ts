import { Duration } from 'aws-cdk-lib';

/** What the retention window is computed from: the promise and the backup schedules. */
export interface RetentionWindowInputs {
  /** The promise: every point from now minus this to the newest backup stays restorable. Whole days. */
  readonly retention: Duration;
  /** The full-backup schedule's interval, when it can be read from the expression. */
  readonly fullInterval?: Duration;
  /** The incremental schedule's interval (the run interval). */
  readonly runInterval: Duration;
  /** Most incrementals on one full backup (MAX_INCREMENTALS). */
  readonly maxIncrementals: number;
}

/** The window in whole days, as S3 lifecycle rules count them. */
export interface RetentionWindow {
  /** The promise, in days. */
  readonly retentionDays: number;
  /**
   * The longest a chain runs, from its full backup's end to the next full backup's end:
   * the full-backup interval, or (maxIncrementals + 1) incremental intervals when that is
   * shorter, since a chain that reaches maxIncrementals gets a full backup at the next run.
   */
  readonly chainSpanDays: number;
  /**
   * Room for one chain that runs past its planned end: a full backup that failed, so that the
   * incrementals went on on the old chain until the next full backup (one more chain span).
   */
  readonly marginDays: number;
  /** The age at which S3 expires a current object version of the collection: the sum of the three. */
  readonly expirationDays: number;
}

const DAY_SECONDS = 24 * 60 * 60;

function wholeDaysAtLeast(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / DAY_SECONDS));
}

/**
 * The one computation of the retention window, shared by the bucket's lifecycle rule, the
 * rule offered for an imported bucket, the docs and (later) an Object Lock that follows the
 * window. Why `retention + chain span + margin` keeps every point of the window restorable:
 * a point t needs the chain whose full backup is the newest one ending at or before t, and
 * every layer of it up to t. That full backup ended less than one chain span before t (the next
 * full backup, which ends within one span, takes over from there), so with t at most
 * `retention` old the oldest object t needs is at most `retention + span` old (objects are
 * written after the end time they record, so they are younger than it). The margin absorbs one
 * failed full backup that stretched a chain by one more span. S3 rounds each expiry up to the
 * next midnight UTC, so objects go at most a day later than the rule's age, never earlier.
 */
export function retentionWindow(inputs: RetentionWindowInputs): RetentionWindow {
  const retentionDays = inputs.retention.toDays();
  const chainLimit = (inputs.maxIncrementals + 1) * inputs.runInterval.toSeconds();
  const spanSeconds = Math.min(inputs.fullInterval?.toSeconds() ?? Number.POSITIVE_INFINITY, chainLimit);
  const chainSpanDays = wholeDaysAtLeast(spanSeconds);
  const marginDays = chainSpanDays;
  return { retentionDays, chainSpanDays, marginDays, expirationDays: retentionDays + chainSpanDays + marginDays };
}
