import { BackupSettings } from '../connect/config';
import { ensureExternalConnection, ExternalConnectionChange } from './external-connection';
import { log } from '../report/log';
import { Session } from '../connect/session';
import { AccessKey, backupTarget, buildS3Uri } from './storage';
import { pinChainView } from '../observe/chain-view';

/**
 * What every statement on the collection names (BACKUP, SHOW BACKUP, RESTORE) with this key
 * (undefined in keyless modes, whose URI carries none):
 * the URI, or `external://<name>` after making sure the external connection holds the key
 * (external-connection.ts: altered, or replaced only while none of our jobs may use it;
 * storage is read through it too, so this comes before anything else). The session's chain
 * view is pinned first (chain-view.ts), since every run that names the target reads the chain.
 */
export async function prepareTarget(session: Session, settings: BackupSettings, key: AccessKey | undefined): Promise<string> {
  await pinChainView(session);
  if (settings.storageMode === 'external-connection') {
    const change = await ensureExternalConnection(session, settings, buildS3Uri(settings, key));
    if (change !== 'kept') log(change === 'deferred' ? 'WARN' : 'INFO', describeChange(settings.externalConnectionName!, change));
  }
  return backupTarget(settings, key);
}

function describeChange(name: string, change: ExternalConnectionChange): string {
  if (change === 'deferred') {
    return `external connection ${name} still holds the previous access key: a backup job of this collection is running on it, and before v25.4 (no ALTER EXTERNAL CONNECTION) replacing it (DROP and CREATE) could fail that job; the first run after the job ends replaces it`;
  }
  return `external connection ${name} ${change}`;
}
