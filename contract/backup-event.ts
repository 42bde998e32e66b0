/**
 * The payload each schedule sends to the backup Lambda. The construct writes it,
 * the handler reads it; keeping the type here makes the two agree by construction.
 */
export type BackupKind = 'full' | 'incremental';

export const BACKUP_KINDS: readonly BackupKind[] = ['full', 'incremental'];

export interface BackupEvent {
  readonly kind: BackupKind;
}
