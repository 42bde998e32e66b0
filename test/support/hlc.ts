/**
 * Hybrid-logical-clock timestamps as CockroachDB keeps a backup layer's end
 * (pkg/util/hlc/timestamp.go: WallTime in nanoseconds and a Logical counter). The double
 * keeps them exactly, because RESTORE compares a requested time with a layer's end to the
 * nanosecond and the logical part (ValidateEndTimeAndTruncate, pkg/backup/backupinfo), while
 * SHOW BACKUP prints the wall time to the microsecond (showMicros).
 */
export interface Hlc {
  readonly wallNanos: bigint;
  readonly logical: number;
}

const NANOS_PER_MS = 1_000_000n;

export function hlcFromDate(time: Date, subMillisecondNanos = 0, logical = 0): Hlc {
  return { wallNanos: BigInt(time.getTime()) * NANOS_PER_MS + BigInt(subMillisecondNanos), logical };
}

/** The wall time as a Date (milliseconds, truncated). */
export function hlcDate(time: Hlc): Date {
  return new Date(Number(time.wallNanos / NANOS_PER_MS));
}

export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallNanos !== b.wallNanos) return a.wallNanos < b.wallNanos ? -1 : 1;
  return Math.sign(a.logical - b.logical);
}

/**
 * hlc.Timestamp.AsOfSystemTime(): `<wall nanoseconds>.<logical, 10 digits>`, the decimal form
 * AS OF SYSTEM TIME accepts (pkg/sql/sem/asof, DatumToHLC, ParseHLC). The manifest stores it so.
 */
export function hlcDecimal(time: Hlc): string {
  return `${time.wallNanos}.${String(time.logical).padStart(10, '0')}`;
}

/** Parses `<nanos>[.<logical>]` (ParseHLC: the fraction is the logical part, 10 digits). */
export function parseHlcDecimal(text: string): Hlc | undefined {
  const match = /^(\d+)(?:\.(\d{1,10}))?$/.exec(text.trim());
  if (match === null) return undefined;
  return { wallNanos: BigInt(match[1]), logical: Number((match[2] ?? '').padEnd(10, '0')) };
}

/**
 * The wall time as pgwire prints a TIMESTAMP(TZ) datum built with nanosecond precision
 * (SHOW BACKUP's start_time and end_time: tree.MakeDTimestamp(TZ)(..., time.Nanosecond) in
 * pkg/backup/show.go): Go's layout `2006-01-02 15:04:05.999999`, which truncates to the
 * microsecond and drops trailing zeros; the logical part is not shown.
 */
export function showMicros(time: Hlc, withZone: boolean): string {
  const date = hlcDate(time);
  const micros = (time.wallNanos / 1000n) % 1_000_000n;
  const fraction = micros === 0n ? '' : `.${String(micros).padStart(6, '0').replace(/0+$/, '')}`;
  const text = `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}${fraction}`;
  return withZone ? `${text}+00` : text;
}

let readings = 0;

/**
 * The clock reading of a statement (`now`, the double's clock): a Date has milliseconds, so the nanoseconds
 * below them are filled with a varying value that is never a whole microsecond, as a real
 * HLC wall time almost never is (a layer's end then never equals what SHOW BACKUP prints).
 */
export function nowHlc(now: Date, logical = 0): Hlc {
  readings += 1;
  const subMillisecond = ((readings * 104_729) % 999_000) + 1 + (readings % 999);
  return hlcFromDate(now, subMillisecond - (subMillisecond % 1000 === 0 ? 1 : 0), logical);
}
