import { BackupSettings } from './config';
import { ensureExternalConnection } from './external-connection';
import { log } from './log';
import { Credentials } from './secrets';
import { Session } from './session';
import { backupTarget, buildS3Uri } from './storage';

/**
 * What every statement on the collection names (BACKUP, SHOW BACKUP, RESTORE): the URI, or
 * `external://<name>`, after making sure the external connection exists with the current
 * key (storage is read through it too, so before anything else).
 */
export async function prepareTarget(session: Session, settings: BackupSettings, credentials: Credentials): Promise<string> {
  if (settings.storageMode === 'external-connection') {
    const change = await ensureExternalConnection(session, settings.externalConnectionName!, buildS3Uri(settings, credentials.accessKey));
    if (change !== 'kept') log('INFO', `external connection ${settings.externalConnectionName} ${change}`);
  }
  return backupTarget(settings, credentials.accessKey);
}
