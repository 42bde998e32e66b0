import { BackupFailure } from '../connect/errors';
import { Session } from '../connect/session';

/** SQLSTATE 42704 (undefined_object): the variable does not exist (before 26.2). */
const UNDEFINED_OBJECT = '42704';

/**
 * Pins the chain view every statement on the collection relies on. From 26.2 the session
 * variable `use_backups_with_ids` (preview, off by default, but a role or cluster default can
 * turn it on) makes `SHOW BACKUP FROM LATEST` show the newest backup alone (the chain would
 * look one layer long: no full backup ever forced, one layer checked and drilled), `SHOW
 * BACKUPS IN` list `id, backup_time` instead of `path`, and hides backups from before 26.1
 * (docs/cockroachdb-behaviour.md section 3). Before 26.2 the SET fails with 42704: the
 * variable does not exist and the view is the chain anyway. One round trip per session.
 */
export async function pinChainView(session: Pick<Session, 'query'>): Promise<void> {
  try {
    await session.query('pinning the chain view (SET use_backups_with_ids = false)', 'SET use_backups_with_ids = false');
  } catch (error) {
    if (!(error instanceof BackupFailure && error.code === UNDEFINED_OBJECT)) throw error;
  }
}
