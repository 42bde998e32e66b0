import { Session } from '../connect/session';
import { parseSqlTimestamp } from '../observe/timestamp';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { sqlString } from '../submit/statement';
import { RetentionPromiseSource } from './promise';
import { fullBackupEnd, RetentionWindowValues, retentionWindowValues } from './window';

/**
 * SHOW BACKUPS IN's rows: `path` (one per full backup), or with `use_backups_with_ids` on
 * (a preview from v26.2) `id` and `backup_time` (one per backup, those from before v26.1
 * left out): docs/cockroachdb-behaviour.md §3. Either way the oldest time is where the
 * oldest chain starts.
 */
interface ShowBackupsRow {
  readonly path?: string | null;
  readonly backup_time?: Date | string | null;
}

/** A backup SHOW BACKUPS IN lists: its time, and the full backup's subdirectory when the listing names it. */
export interface ListedBackup {
  readonly end: Date;
  readonly path?: string;
}

function listed(row: ShowBackupsRow): ListedBackup | undefined {
  if (typeof row.path === 'string') {
    const end = fullBackupEnd(row.path);
    return end === undefined ? undefined : { end, path: row.path };
  }
  return row.backup_time === undefined || row.backup_time === null ? undefined : { end: parseSqlTimestamp(row.backup_time) };
}

/** `SHOW BACKUPS IN '<target>'`, oldest first: one round trip. */
export async function listBackups(session: Session, target: string): Promise<ListedBackup[]> {
  const rows = await session.query<ShowBackupsRow>('listing the chains in storage (SHOW BACKUPS)', `SHOW BACKUPS IN ${sqlString(target)}`);
  return rows
    .map(listed)
    .filter((backup): backup is ListedBackup => backup !== undefined)
    .sort((a, b) => a.end.getTime() - b.end.getTime());
}

export interface RetentionWindowSettings {
  readonly retentionSeconds: number;
  readonly incrementalIntervalSeconds: number;
}

/**
 * One round trip, `SHOW BACKUPS IN '<target>'` (a SHOW statement: it passes the internals
 * gate and reads storage with the URI's key, listing every chain whoever took it), and the
 * promise's start from its parameter; then the window (window.ts). Never fails the run: a
 * problem is logged at ERROR and the metrics are left out (the alarm treats missing data as
 * not breaching; runs that stop are the RPO alarm's).
 */
export async function observeRetentionWindow(
  session: Session,
  target: string,
  settings: RetentionWindowSettings,
  promise: RetentionPromiseSource | undefined,
  now: Date,
): Promise<RetentionWindowValues | undefined> {
  try {
    const fullBackupEnds = (await listBackups(session, target)).map((backup) => backup.end);
    const promisedSince = await promise?.since();
    return retentionWindowValues({ now, fullBackupEnds, retentionSeconds: settings.retentionSeconds, promisedSince, runIntervalSeconds: settings.incrementalIntervalSeconds });
  } catch (error) {
    log('ERROR', `the restorable window could not be read: ${redactedMessage(error)}`);
    return undefined;
  }
}
