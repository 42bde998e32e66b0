/** How CockroachDB (Go) prints times in the texts the double reproduces. */
import { Hlc } from './hlc';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * Go's time.Time.String() for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`,
 * fraction without trailing zeros (and none when zero).
 */
export function goTimeString(time: Date | Hlc): string {
  const nanos = time instanceof Date ? time.getUTCMilliseconds() * 1_000_000 : Number(time.wallNanos % 1_000_000_000n);
  const date = time instanceof Date ? time : new Date(Number(time.wallNanos / 1_000_000n));
  const fraction = pad(nanos, 9).replace(/0+$/, '');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction === '' ? '' : `.${fraction}`} +0000 UTC`
  );
}

/** An HLC timestamp as hlc.Timestamp's %v prints it: `<seconds>.<nanos>,<logical>`. */
export function formatHlc(time: Date): string {
  const ms = time.getTime();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')},0`;
}
