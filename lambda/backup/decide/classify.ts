import { BackupKind } from '../../../contract/backup-event';
import { compareCreation, JobRow } from '../observe/job';

/**
 * What a backup job's description and error say about it. Everything here rests on the
 * text CockroachDB writes, so it is kept in this one module; the parts marked
 * UNCONFIRMED are modelled from the source but not confirmed on every version.
 *
 * Descriptions (GetRedactedBackupNode / backupJobDescription, pkg/backup/backup_planning.go):
 * - at creation, a full backup:       BACKUP INTO '<uri>' AS OF SYSTEM TIME ... WITH ...
 * - at creation, an incremental:      BACKUP INTO 'LATEST' IN '<uri>' ...
 *   (the statement's `INTO LATEST IN` keyword form is accepted here too);
 * - once the job resolved its destination (pkg/backup/backup_job.go, since 22.1 inside
 *   the job), both kinds:             BACKUP INTO '/<yyyy>/<mm>/<dd>-<hhmmss.ff>' IN '<uri>' ...
 *   where the subdirectory is the chain's full backup. UNCONFIRMED: on which versions
 *   the description is rewritten after resolution.
 *
 * So a resolved job's kind is known only from its place in its subdirectory: the
 * earliest job of a subdirectory is the full backup that created it, later ones are
 * incrementals appended to it. Caveat: the Lambda sees only backup jobs that ended
 * within the last 12 hours (job-queries.ts); when a chain's full backup ended earlier,
 * its earliest visible incremental is taken for the full. That kind is used only in
 * reports and for the rule "a full backup waits for a running incremental"; the
 * collection's state (is there a full backup, how long is the chain) comes from
 * storage, and the curable failures below happen only to incrementals, whatever the
 * description says.
 */
export type Destination =
  | { readonly resolved: true; readonly subdir: string }
  | { readonly resolved: false; readonly kind: BackupKind };

const RESOLVED = /^BACKUP INTO '(\/?\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2})' IN '/;
const LATEST = /^BACKUP INTO (?:LATEST|'LATEST') IN '/i;
const NEW_FULL = /^BACKUP INTO '[a-z][a-z0-9+.-]*:\/\//i;

/** Reads the destination from a description; undefined when it is not one of ours. */
export function parseDestination(description: string): Destination | undefined {
  const resolved = RESOLVED.exec(description);
  if (resolved) return { resolved: true, subdir: resolved[1].startsWith('/') ? resolved[1] : `/${resolved[1]}` };
  if (LATEST.test(description)) return { resolved: false, kind: 'incremental' };
  if (NEW_FULL.test(description)) return { resolved: false, kind: 'full' };
  return undefined;
}

/**
 * Job errors that a new full backup cures. The phrases are the start of the messages in
 * the CockroachDB source (docs/cockroachdb-behaviour.md section 1).
 */
export type CurableFailure =
  /** No completed full backup under LATEST (empty or emptied collection). */
  | 'no-full-backup'
  /** The collection was written by another cluster (the cluster was restored). */
  | 'foreign-cluster'
  /**
   * An incremental's start (the previous backup's end) fell behind the GC threshold: the
   * gap between backups outlived gc.ttlseconds. Every incremental is checked, with or
   * without revision_history (cmd_export.go checks every export with a start time).
   */
  | 'gc-threshold';

export function curableFailure(error: string): CurableFailure | undefined {
  if (error.includes('path does not contain a completed latest backup')) return 'no-full-backup';
  if (error.includes('previous BACKUP belongs to cluster')) return 'foreign-cluster';
  if (error.includes('must be after replica GC threshold')) return 'gc-threshold';
  return undefined;
}

/**
 * Why the nodes could not get credentials for a keyless storage URI (AUTH=implicit,
 * ASSUME_ROLE), from the error a job or a SHOW BACKUP statement carries. CockroachDB wraps the
 * AWS SDK's error (pkg/cloud/amazon/s3_storage.go, "failed to get s3 object: ..."):
 * - STS refused a role of the chain: `AccessDenied: User: <caller ARN> is not authorized to
 *   perform: sts:AssumeRole on resource: <role ARN>` (STS's message; the caller is the previous
 *   step's session, `arn:aws:sts::<account>:assumed-role/<role>/<session>`);
 * - no source of the SDK's chain had credentials: aws-sdk-go's `NoCredentialProviders: no
 *   valid providers in chain` (SDK v2 words it `failed to retrieve credentials` / `no EC2 IMDS
 *   role found`; UNCONFIRMED which release uses which, so both are matched);
 * - the nodes were started with --external-io-disable-implicit-credentials:
 *   `implicit credentials disallowed for s3 due to --external-io-disable-implicit-credentials flag`
 *   (MakeS3Storage).
 */
export type CredentialFailure =
  | { readonly kind: 'assume-role-denied'; readonly caller: string; readonly role: string }
  | { readonly kind: 'no-node-credentials' }
  | { readonly kind: 'implicit-disabled' };

const ASSUME_ROLE_DENIED = /User: (\S+) is not authorized to perform: sts:AssumeRole on resource: ([^\s,;'"]+)/;
const NO_CREDENTIALS = /NoCredentialProviders|no valid providers in chain|failed to retrieve credentials|no EC2 (?:instance|IMDS) role found/;

export function credentialFailure(error: string): CredentialFailure | undefined {
  const denied = ASSUME_ROLE_DENIED.exec(error);
  if (denied !== null) return { kind: 'assume-role-denied', caller: denied[1], role: denied[2] };
  if (error.includes('implicit credentials disallowed')) return { kind: 'implicit-disabled' };
  if (NO_CREDENTIALS.test(error)) return { kind: 'no-node-credentials' };
  return undefined;
}

/** Whether curing this failure needs the user's consent (AUTO_REBASELINE). */
export function needsRebaselineConsent(failure: CurableFailure): boolean {
  return failure !== 'no-full-backup';
}

export interface ClassifiedJob extends JobRow {
  readonly kind: BackupKind;
}

/**
 * Gives every job of the collection its kind. Jobs whose description is not a backup
 * destination we recognize are left out.
 */
export function classifyJobs(jobs: readonly JobRow[]): ClassifiedJob[] {
  const sorted = [...jobs].sort(compareCreation);
  const subdirsSeen = new Set<string>();
  const classified: ClassifiedJob[] = [];
  for (const job of sorted) {
    const destination = parseDestination(job.description);
    if (destination === undefined) continue;
    if (!destination.resolved) {
      classified.push({ ...job, kind: destination.kind });
      continue;
    }
    const kind: BackupKind = subdirsSeen.has(destination.subdir) ? 'incremental' : 'full';
    subdirsSeen.add(destination.subdir);
    classified.push({ ...job, kind });
  }
  return classified;
}
