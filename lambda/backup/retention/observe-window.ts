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

function backupTime(row: ShowBackupsRow): Date | undefined {
  if (typeof row.path === 'string') return fullBackupEnd(row.path);
  return row.backup_time === undefined || row.backup_time === null ? undefined : parseSqlTimestamp(row.backup_time);
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
    const rows = await session.query<ShowBackupsRow>('listing the chains in storage (SHOW BACKUPS)', `SHOW BACKUPS IN ${sqlString(target)}`);
    const fullBackupEnds = rows.map(backupTime).filter((time): time is Date => time !== undefined);
    const promisedSince = await promise?.since();
    return retentionWindowValues({ now, fullBackupEnds, retentionSeconds: settings.retentionSeconds, promisedSince, runIntervalSeconds: settings.incrementalIntervalSeconds });
  } catch (error) {
    log('ERROR', `the restorable window could not be read: ${redactedMessage(error)}`);
    return undefined;
  }
}
