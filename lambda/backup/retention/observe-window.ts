import { Session } from '../connect/session';
import { chainNames, chainNameTime } from '../observe/chain-names';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { RetentionPromiseSource } from './promise';
import { RetentionWindowValues, retentionWindowValues } from './window';

/** A full backup SHOW BACKUPS IN lists: its subdirectory, and its end (the name's UTC time). */
export interface ListedBackup {
  readonly end: Date;
  readonly path: string;
}

/**
 * The collection's full backups, oldest first: `SHOW BACKUPS IN '<target>'` (one round trip,
 * chain-names.ts; the session's chain view is pinned, so the rows are paths, not ids).
 */
export async function listBackups(session: Session, target: string): Promise<ListedBackup[]> {
  return (await chainNames(session, target))
    .flatMap((path) => {
      const end = chainNameTime(path);
      return end === undefined ? [] : [{ end, path }];
    })
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
