import { BackupKind } from '../../contract/backup-event';
import { ENV } from '../../contract/environment';
import {
  Chain,
  ClassifiedJob,
  classifyJobs,
  CurableFailure,
  curableFailure,
  currentChain,
  needsRebaselineConsent,
} from './classify';
import { FAILED_STATUSES, isActive, isTerminal, JobRow, PAUSED_STATUS } from './job';

/** What the job table says about one collection (the Lambda keeps no state of its own). */
export interface CollectionState {
  readonly jobs: readonly ClassifiedJob[];
  /** Jobs still working: a new backup must not be stacked on them. */
  readonly active: readonly ClassifiedJob[];
  /** Jobs waiting for a person; reported on every run. */
  readonly paused: readonly ClassifiedJob[];
  readonly chain?: Chain;
  readonly newestSuccess?: ClassifiedJob;
  /** Jobs that ended within the reporting window (since the previous run). */
  readonly endedRecently: readonly ClassifiedJob[];
  /** An incremental that failed after the newest success for a reason only a full backup cures. */
  readonly brokenChain?: { readonly job: ClassifiedJob; readonly failure: CurableFailure };
}

export function analyzeCollection(rows: readonly JobRow[], now: Date, windowSeconds: number): CollectionState {
  const jobs = classifyJobs(rows);
  const succeeded = jobs.filter((j) => j.status === 'succeeded' && j.finished !== undefined);
  const newestSuccess = succeeded.reduce<ClassifiedJob | undefined>(
    (newest, job) => (newest === undefined || job.finished! > newest.finished! ? job : newest),
    undefined,
  );
  const windowStart = now.getTime() - windowSeconds * 1000;
  const ended = jobs.filter((j) => isTerminal(j) && j.finished !== undefined);
  const brokenChain = ended
    .filter((j) => j.kind === 'incremental' && FAILED_STATUSES.includes(j.status))
    .filter((j) => newestSuccess === undefined || j.finished! > newestSuccess.finished!)
    .sort((a, b) => b.finished!.getTime() - a.finished!.getTime())
    .map((job) => ({ job, failure: curableFailure(job.error) }))
    .find((f): f is { job: ClassifiedJob; failure: CurableFailure } => f.failure !== undefined && needsRebaselineConsent(f.failure));
  return {
    jobs,
    active: jobs.filter(isActive),
    paused: jobs.filter((j) => j.status === PAUSED_STATUS),
    chain: currentChain(jobs),
    newestSuccess,
    endedRecently: ended.filter((j) => j.finished!.getTime() > windowStart),
    brokenChain,
  };
}

export interface DecisionPolicy {
  readonly maxIncrementals: number;
  readonly autoRebaseline: boolean;
  /** `s3://bucket/collection` or `external://name`, for messages. */
  readonly collectionLabel: string;
}

export type Decision =
  | { readonly action: 'submit'; readonly kind: BackupKind; readonly reason: string }
  | { readonly action: 'skip'; readonly blocking: ClassifiedJob; readonly reason: string }
  /** A full backup is due while an incremental runs: wait for it, then take the full. */
  | { readonly action: 'wait'; readonly blocking: ClassifiedJob; readonly reason: string }
  | { readonly action: 'fail'; readonly reason: string };

/** The runbook's instruction for a chain only a new full backup can continue. */
export function rebaselineInstruction(collectionLabel: string, failure: CurableFailure): string {
  const cause =
    failure === 'foreign-cluster'
      ? 'the collection was written by another cluster (the cluster was restored from a backup)'
      : failure === 'gc-threshold'
        ? 'the time since the previous backup outlived the GC TTL (gc.ttlseconds)'
        : 'the collection holds no completed full backup';
  return (
    `${cause}, so no incremental can be appended: take a full backup to start a new chain ` +
    `(BACKUP INTO '${collectionLabel}' AS OF SYSTEM TIME '-10s' WITH DETACHED, or invoke the Lambda with {"kind":"full"}), ` +
    `or set the construct's autoRebaseline prop (${ENV.autoRebaseline}=true) to let the Lambda do it`
  );
}

/**
 * The decision table, first match wins:
 * 1. a backup of this collection is active: skip, except that a full backup due while an
 *    incremental runs waits for it (within the time budget) and is then taken;
 * 2. the event asks for a full backup: full;
 * 3. the job table shows no succeeded backup in any chain: full (INTO LATEST would fail);
 * 4. the newest incremental failure after the last success is one only a full backup
 *    cures (foreign cluster, GC threshold): full if AUTO_REBASELINE, else fail with the
 *    runbook's instruction;
 * 5. a paused incremental belongs to the current chain: full, so that the paused job,
 *    if resumed later, cannot interleave with new incrementals of the same chain;
 * 6. the chain reached MAX_INCREMENTALS: full;
 * 7. otherwise: incremental.
 */
export function decide(requested: BackupKind, state: CollectionState, policy: DecisionPolicy): Decision {
  const blocking = state.active.find((j) => j.kind === 'full') ?? state.active[0];
  if (blocking !== undefined) {
    const what = `${blocking.kind} backup job ${blocking.jobId} is still ${blocking.status}`;
    if (requested === 'full' && blocking.kind === 'incremental') {
      return { action: 'wait', blocking, reason: `${what}: waiting for it before the full backup` };
    }
    return { action: 'skip', blocking, reason: `${what}: not stacking another backup on it` };
  }
  if (requested === 'full') return { action: 'submit', kind: 'full', reason: 'a full backup was requested' };
  if (state.chain === undefined) {
    return { action: 'submit', kind: 'full', reason: 'the job table shows no completed backup of this collection' };
  }
  if (state.brokenChain !== undefined) {
    const { job, failure } = state.brokenChain;
    if (!policy.autoRebaseline) {
      return { action: 'fail', reason: `incremental backup job ${job.jobId} failed: ${rebaselineInstruction(policy.collectionLabel, failure)}` };
    }
    return { action: 'submit', kind: 'full', reason: `re-baselining: incremental backup job ${job.jobId} failed (${failure})` };
  }
  const pausedOnChain = state.paused.find((j) => j.kind === 'incremental' && (j.subdir === undefined || j.subdir === state.chain!.subdir));
  if (pausedOnChain !== undefined) {
    return { action: 'submit', kind: 'full', reason: `incremental backup job ${pausedOnChain.jobId} is paused on the current chain: starting a new chain` };
  }
  if (state.chain.length >= policy.maxIncrementals) {
    return { action: 'submit', kind: 'full', reason: `the chain holds ${state.chain.length} incrementals (MAX_INCREMENTALS=${policy.maxIncrementals})` };
  }
  return { action: 'submit', kind: 'incremental', reason: `appending to the chain ${state.chain.subdir} (${state.chain.length} incrementals)` };
}
