import { SqlError, SqlState } from './sql-error';
import { parseTimestamp } from './values';

const UNIT_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };

/**
 * Evaluates an AS OF SYSTEM TIME value (pkg/sql/sem/asof/as_of.go, DatumToHLC): a
 * negative interval relative to the statement time ('-10s', '-1m30s'), a timestamp, or
 * a decimal HLC ('<nanos>.<logical>'). A time in the future is refused.
 */
export function evaluateAsOf(text: string, statementTime: Date): Date {
  const trimmed = text.trim();
  let time: Date | undefined;
  if (/^-(\d+(\.\d+)?(us|µs|ms|s|m|h))+$/.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(us|µs|ms|s|m|h)/g)) ms += Number(amount) * UNIT_MS[unit];
    time = new Date(statementTime.getTime() - ms);
  } else if (/^\d{19}(\.\d+)?$/.test(trimmed)) {
    time = new Date(Number(BigInt(trimmed.split('.')[0]) / 1_000_000n));
  } else {
    time = parseTimestamp(trimmed);
  }
  if (time === undefined) {
    throw new SqlError(SqlState.invalidParameterValue, `AS OF SYSTEM TIME: value is neither timestamp, decimal, nor interval`);
  }
  if (time.getTime() > statementTime.getTime()) {
    throw new SqlError(SqlState.invalidParameterValue, 'AS OF SYSTEM TIME: cannot specify timestamp in the future');
  }
  return time;
}
