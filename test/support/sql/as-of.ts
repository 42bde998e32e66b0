import { Hlc, hlcDate, hlcFromDate, parseHlcDecimal } from '../hlc';
import { SqlError, SqlState } from './sql-error';
import { parseTimestamp } from './values';

const UNIT_NANOS: Record<string, bigint> = { us: 1_000n, µs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/**
 * Evaluates an AS OF SYSTEM TIME value to an HLC timestamp (pkg/sql/sem/asof/as_of.go,
 * DatumToHLC): a negative interval relative to the statement time ('-10s', '-1m30s'; logical
 * 0), a decimal HLC ('<wall nanos>.<10-digit logical>', kept exactly: the only form that can
 * name a layer's end with its logical part), or a timestamp (microseconds, logical 0). A time
 * in the future is refused.
 */
export function evaluateAsOfHlc(text: string, statementTime: Hlc): Hlc {
  const trimmed = text.trim();
  let time: Hlc | undefined;
  if (/^-(\d+(\.\d+)?(us|µs|ms|s|m|h))+$/.test(trimmed)) {
    let nanos = 0n;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/g)) {
      const [whole, fraction = ''] = amount.split('.');
      nanos += BigInt(whole) * UNIT_NANOS[unit] + (BigInt(fraction.padEnd(9, '0').slice(0, 9)) * UNIT_NANOS[unit]) / 1_000_000_000n;
    }
    time = { wallNanos: statementTime.wallNanos - nanos, logical: 0 };
  } else if (/^\d{19}(\.\d+)?$/.test(trimmed)) {
    time = parseHlcDecimal(trimmed);
  } else {
    const parsed = parseTimestamp(trimmed);
    // A timestamp literal has microseconds (tree.ParseDTimestamp rounds to them).
    const micros = /\.\d{3}(\d{1,3})/.exec(trimmed)?.[1] ?? '';
    time = parsed === undefined ? undefined : hlcFromDate(parsed, Number(micros.padEnd(3, '0')) * 1000);
  }
  if (time === undefined) {
    throw new SqlError(SqlState.invalidParameterValue, `AS OF SYSTEM TIME: value is neither timestamp, decimal, nor interval`);
  }
  if (time.wallNanos > statementTime.wallNanos) {
    throw new SqlError(SqlState.invalidParameterValue, 'AS OF SYSTEM TIME: cannot specify timestamp in the future');
  }
  return time;
}

/** evaluateAsOfHlc's wall time as a Date (milliseconds). */
export function evaluateAsOf(text: string, statementTime: Date): Date {
  return hlcDate(evaluateAsOfHlc(text, hlcFromDate(statementTime)));
}
