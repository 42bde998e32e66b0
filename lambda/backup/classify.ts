import { BackupKind } from '../../contract/backup-event';
import { compareCreation, JobRow } from './job';

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
 * incrementals appended to it. UNCONFIRMED caveat: jobs are deleted after
 * jobs.retention_time (14 days by default); a chain older than that has lost its full
 * backup's job and its earliest remaining incremental is taken for the full, which
 * makes the chain look one shorter. A succeeded job in a subdirectory still proves the
 * full backup exists (an incremental cannot succeed without it).
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
  /** A revision_history incremental's start fell behind the GC threshold. */
  | 'gc-threshold';

export function curableFailure(error: string): CurableFailure | undefined {
  if (error.includes('path does not contain a completed latest backup')) return 'no-full-backup';
  if (error.includes('previous BACKUP belongs to cluster')) return 'foreign-cluster';
  if (error.includes('must be after replica GC threshold')) return 'gc-threshold';
  return undefined;
}

/** Whether curing this failure needs the user's consent (AUTO_REBASELINE). */
export function needsRebaselineConsent(failure: CurableFailure): boolean {
  return failure !== 'no-full-backup';
}

export interface ClassifiedJob extends JobRow {
  readonly kind: BackupKind;
  /** The chain's subdirectory, once resolved. */
  readonly subdir?: string;
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
    classified.push({ ...job, kind, subdir: destination.subdir });
  }
  return classified;
}

/** The newest chain the collection can append to, as far as the job table knows. */
export interface Chain {
  readonly subdir: string;
  /** Succeeded incrementals on the chain's full backup. */
  readonly length: number;
}

/**
 * The chain of the newest subdirectory holding a succeeded job, and its length: the
 * number of its succeeded jobs minus one (its full backup). Subdirectory names sort
 * chronologically. A subdirectory whose jobs all failed never became LATEST.
 */
export function currentChain(jobs: readonly ClassifiedJob[]): Chain | undefined {
  const succeeded = new Map<string, number>();
  for (const job of jobs) {
    if (job.subdir !== undefined && job.status === 'succeeded') {
      succeeded.set(job.subdir, (succeeded.get(job.subdir) ?? 0) + 1);
    }
  }
  const newest = [...succeeded.keys()].sort().pop();
  return newest === undefined ? undefined : { subdir: newest, length: succeeded.get(newest)! - 1 };
}

/**
 * The kind of a job that appeared after we looked at the table (arbitration): a job
 * resolved into a subdirectory that already had jobs is an incremental, a job in a new
 * subdirectory is a full backup.
 */
export function kindOfNewJob(job: JobRow, knownSubdirs: ReadonlySet<string>): BackupKind | undefined {
  const destination = parseDestination(job.description);
  if (destination === undefined) return undefined;
  if (!destination.resolved) return destination.kind;
  return knownSubdirs.has(destination.subdir) ? 'incremental' : 'full';
}
