import { Column, TypeOid } from '../wire/backend-messages';
import { SqlError } from './sql-error';

/** A typed value of a result cell; rendered in PostgreSQL text format on the wire. */
export type Value = bigint | number | string | boolean | Date | null;

export type Row = Readonly<Record<string, Value>>;

/** A result set: columns with their types, rows in column order, and the command tag. */
export interface ResultSet {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Value[])[];
  readonly tag: string;
  /** Notices sent before the rows (NoticeResponse). */
  readonly notices?: readonly string[];
}

export function commandResult(tag: string): ResultSet {
  return { columns: [], rows: [], tag };
}

export function rowsResult(columns: readonly Column[], rows: readonly (readonly Value[])[], verb = 'SELECT'): ResultSet {
  return { columns, rows, tag: `${verb} ${rows.length}` };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** PostgreSQL's text output of a timestamp: fraction without trailing zeros; TIMESTAMPTZ with "+00". */
export function formatTimestamp(time: Date, withZone: boolean): string {
  const fraction = time.getUTCMilliseconds() === 0 ? '' : `.${pad(time.getUTCMilliseconds(), 3).replace(/0+$/, '')}`;
  const text =
    `${pad(time.getUTCFullYear(), 4)}-${pad(time.getUTCMonth() + 1)}-${pad(time.getUTCDate())} ` +
    `${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())}${fraction}`;
  return withZone ? `${text}+00` : text;
}

/** The text-format rendering of a value for a column type. */
export function formatValue(value: Value, type: TypeOid): string | null {
  if (value === null) return null;
  if (value instanceof Date) return formatTimestamp(value, type === TypeOid.TIMESTAMPTZ);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** Parses a literal as the column's type, with CockroachDB's error for bad input (22P02). */
export function coerce(text: string, type: TypeOid): Value {
  switch (type) {
    case TypeOid.INT8:
      if (!/^-?\d+$/.test(text.trim())) {
        throw new SqlError('22P02', `could not parse "${text}" as type int: strconv.ParseInt: parsing "${text}": invalid syntax`);
      }
      return BigInt(text.trim());
    case TypeOid.FLOAT8:
      if (Number.isNaN(Number(text))) throw new SqlError('22P02', `could not parse "${text}" as type float: strconv.ParseFloat: parsing "${text}": invalid syntax`);
      return Number(text);
    case TypeOid.TIMESTAMPTZ:
    case TypeOid.TIMESTAMP: {
      const time = parseTimestamp(text);
      if (time === undefined) throw new SqlError('22007', `parsing as type timestamp: could not parse "${text}"`);
      return time;
    }
    case TypeOid.BOOL:
      return /^(t|true|yes|on|1)$/i.test(text);
    default:
      return text;
  }
}

/** Timestamps as clients write them: ISO or 'YYYY-MM-DD HH:MM:SS[.fff][+zz[:zz]]' (UTC when no zone). */
export function parseTimestamp(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const normalizedZone = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = fraction === '' ? '' : `.${fraction.slice(1, 4).padEnd(3, '0')}`;
  const time = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${normalizedZone}`);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

/** Orders two values of the same column type; null sorts first, as in CockroachDB. */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
