/**
 * The payload each schedule sends to the backup Lambda. The construct writes it,
 * the handler reads it; keeping the type here makes the two agree by construction.
 */
export type BackupKind = 'full' | 'incremental';

export const BACKUP_KINDS: readonly BackupKind[] = ['full', 'incremental'];

/**
 * Runs that verify what is stored instead of taking a backup:
 * - `check-files`: `SHOW BACKUP FROM LATEST IN ... WITH check_files` (every file of every
 *   layer of the newest chain exists); full-backup runs also check, see the Lambda's README;
 * - `restore-drill`: `RESTORE ... WITH schema_only, verify_backup_table_data, DETACHED` of
 *   the newest chain into names that cannot collide with the user's, then cleanup.
 */
export type VerificationKind = 'check-files' | 'restore-drill';

export const VERIFICATION_KINDS: readonly VerificationKind[] = ['check-files', 'restore-drill'];

/**
 * `follow`: the follow check, sent to the follow function (docs/job-following.md). It looks at
 * the collection's backup jobs (one SHOW JOBS round trip; SHOW JOBS VALUES only for followed
 * jobs older than plain SHOW JOBS' 12 hours), tells each end exactly once, and publishes the
 * progress of the jobs still running and names the hung ones.
 */
export type FollowKind = 'follow';

export const FOLLOW_KIND: FollowKind = 'follow';

/** Every kind of run the Lambda accepts. */
export type RunKind = BackupKind | VerificationKind | FollowKind;

export const RUN_KINDS: readonly RunKind[] = [...BACKUP_KINDS, ...VERIFICATION_KINDS, FOLLOW_KIND];

export interface BackupEvent {
  readonly kind: RunKind;
}
