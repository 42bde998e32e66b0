import { BackupSettings } from '../connect/config';
import { ensureExternalConnection } from './external-connection';
import { log } from '../report/log';
import { Session } from '../connect/session';
import { AccessKey, backupTarget, buildS3Uri } from './storage';

/**
 * What every statement on the collection names (BACKUP, SHOW BACKUP, RESTORE) with this key
 * (undefined in keyless modes, whose URI carries none):
 * the URI, or `external://<name>` after making sure the external connection holds the key
 * (replaced, DROP and CREATE, if it holds another; storage is read through it too, so this
 * comes before anything else).
 */
export async function prepareTarget(session: Session, settings: BackupSettings, key: AccessKey | undefined): Promise<string> {
  if (settings.storageMode === 'external-connection') {
    const change = await ensureExternalConnection(session, settings.externalConnectionName!, buildS3Uri(settings, key));
    if (change !== 'kept') log('INFO', `external connection ${settings.externalConnectionName} ${change}`);
  }
  return backupTarget(settings, key);
}
