import { Session } from '../connect/session';
import { sqlString } from '../submit/statement';

/**
 * The full backups of the collection, by subdirectory (`/2026/11/29-235950.00`; the leading
 * slash may be missing at a bucket root): `SHOW BACKUPS IN '<target>'`, one row per full
 * backup with a completed manifest (pkg/backup/show.go). The chain view must be pinned
 * (chain-view.ts): with use_backups_with_ids on, the rows are ids, not paths.
 */
export async function chainNames(session: Pick<Session, 'query'>, target: string): Promise<string[]> {
  const rows = await session.query<{ path: string }>('listing the chains (SHOW BACKUPS IN)', `SHOW BACKUPS IN ${sqlString(target)}`);
  return rows.map((row) => row.path);
}

/**
 * The time a chain's name (its full backup's subdirectory, `/2006/01/02-150405.00`, the leading
 * slash optional) says: the full backup's end in UTC (docs/cockroachdb-behaviour.md §6), to the
 * hundredth of a second. Undefined for any other path, or a name that is no real date.
 */
export function chainNameTime(subdirectory: string): Date | undefined {
  const name = /^\/?(\d{4})\/(\d{2})\/(\d{2})-(\d{2})(\d{2})(\d{2})\.(\d{2})$/.exec(subdirectory.trim());
  if (name === null) return undefined;
  const [, year, month, day, hour, minute, second, hundredths] = name;
  const at = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${hundredths}0Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * The newest chain's name: subdirectories are named after the full backup's end in UTC, so
 * the greatest name is the newest full backup, which is what LATEST names unless someone took
 * a full backup AS OF a time before the newest one. Undefined: no full backup.
 */
export async function newestChainName(session: Pick<Session, 'query'>, target: string): Promise<string | undefined> {
  const names = (await chainNames(session, target)).map((name) => ({ name, key: name.replace(/^\//, '') }));
  return names.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).pop()?.name;
}
