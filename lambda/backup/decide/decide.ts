import { BackupKind } from '../../../contract/backup-event';
import { ENV } from '../../../contract/environment';
import { buildBackupStatement } from '../submit/statement';
import { ClassifiedJob, CurableFailure, curableFailure, needsRebaselineConsent } from './classify';
import { isActive, isTerminal, JobRow, PAUSED_STATUS } from '../observe/job';
import { StoredChain } from '../observe/stored-chain';
import { latestJobInstant } from '../observe/timestamp';

/**
 * What a run observed (observe.ts); the Lambda keeps no state of its own. Storage says
 * what the collection holds, whoever wrote it; the job table, which shows the backup
 * user only its own jobs, says what is still running and what ended lately.
 */
export interface Observation {
  /** The chain LATEST points at; undefined when storage holds no completed full backup. */
  readonly chain?: StoredChain;
  /** The collection's backup jobs the user can see: unfinished, or ended within 12 hours. */
  readonly jobs: readonly ClassifiedJob[];
}

/** An incremental that failed in a way only a new full backup cures. */
export interface BrokenChain {
  readonly job: ClassifiedJob;
  readonly failure: CurableFailure;
}

/** The observation, sorted into what the decision and the report need. */
export interface CollectionState {
  readonly chain?: StoredChain;
  /** Jobs still working: a new backup must not be stacked on them. */
  readonly active: readonly ClassifiedJob[];
  /** Jobs waiting for a person; reported on every run. */
  readonly paused: readonly ClassifiedJob[];
  /** Jobs that ended within the reporting window (since the previous run). */
  readonly endedRecently: readonly ClassifiedJob[];
  /** The newest incremental failure, newer than every layer in storage, that needs the user's consent to cure. */
  readonly brokenChain?: BrokenChain;
}

export interface AnalysisOptions {
  /** Jobs that ended within this many seconds are reported (INCREMENTAL_INTERVAL_SECONDS). */
  readonly windowSeconds: number;
  /** The AS OF SYSTEM TIME offset of the Lambda's backups. */
  readonly asOfSystemTimeSeconds: number;
}

/**
 * The latest end time a job's backup may have (or was going to have): AS OF SYSTEM TIME
 * '-<n>s' is relative to the statement's time, which the job's `created` follows within
 * milliseconds, and `created` is a whole second from v24.1 (timestamp.ts), so the latest
 * instant of that second counts. A layer in storage ending later than that was planned after
 * the failure: the failure is history. A layer ending in the same second as the failure's
 * planned end leaves the failure current: a needless full backup (or a refusal that a newer
 * layer clears) costs less than an incremental that fails on every run.
 */
export function plannedEnd(job: JobRow, asOfSystemTimeSeconds: number): Date {
  return new Date(latestJobInstant(job.created).getTime() - asOfSystemTimeSeconds * 1000);
}

export function analyzeCollection(observation: Observation, now: Date, options: AnalysisOptions): CollectionState {
  const { chain, jobs } = observation;
  const windowStart = now.getTime() - options.windowSeconds * 1000;
  const ended = jobs.filter((j) => isTerminal(j) && j.finished !== undefined);
  // Only an incremental fails so (classify.ts); a newer layer in storage, such as an
  // operator's full backup taken as root, clears it.
  const brokenChain =
    chain === undefined
      ? undefined
      : ended
          .filter((j) => j.status === 'failed' && plannedEnd(j, options.asOfSystemTimeSeconds).getTime() > chain.newestEnd.getTime())
          .sort((a, b) => b.created.getTime() - a.created.getTime())
          .map((job) => ({ job, failure: curableFailure(job.error) }))
          .find((f): f is BrokenChain => f.failure !== undefined && needsRebaselineConsent(f.failure));
  return {
    chain,
    active: jobs.filter(isActive),
    paused: jobs.filter((j) => j.status === PAUSED_STATUS),
    // Whole-second job times (timestamp.ts): a job shown as ended at 12:00:00 may have ended at
    // 12:00:00.9, after a run at 12:00:00.3 saw it running; the window takes the whole second.
    endedRecently: ended.filter((j) => latestJobInstant(j.finished!).getTime() > windowStart),
    brokenChain,
  };
}

export interface DecisionPolicy {
  readonly maxIncrementals: number;
  readonly autoRebaseline: boolean;
  readonly asOfSystemTimeSeconds: number;
  /** Whether the Lambda's backups carry revision history: a manual full backup must match. */
  readonly revisionHistory: boolean;
  /** `s3://bucket/collection` or `external://name`, for messages. */
  readonly collectionLabel: string;
}

export type Decision =
  | { readonly action: 'submit'; readonly kind: BackupKind; readonly reason: string }
  | { readonly action: 'skip'; readonly blocking: ClassifiedJob; readonly reason: string }
  /** A full backup is due while an incremental runs: wait for it, then take the full. */
  | { readonly action: 'wait'; readonly blocking: ClassifiedJob; readonly reason: string }
  | { readonly action: 'fail'; readonly reason: string };

/**
 * The runbook's instruction for a chain only a new full backup can continue. It works
 * whoever follows it: storage shows the next run the new full backup, also one taken
 * as root, whose job the backup user cannot see.
 */
export function rebaselineInstruction(policy: Pick<DecisionPolicy, 'collectionLabel' | 'asOfSystemTimeSeconds' | 'revisionHistory'>, failure: CurableFailure): string {
  // The same statement the Lambda would send (keys left for the operator to add), so that a
  // full backup taken by hand starts a chain the Lambda's incrementals can continue, with
  // revision history when the construct uses it.
  const statement = buildBackupStatement({
    kind: 'full',
    target: policy.collectionLabel,
    asOfSystemTimeSeconds: policy.asOfSystemTimeSeconds,
    revisionHistory: policy.revisionHistory,
  });
  const cause =
    failure === 'foreign-cluster'
      ? 'the collection was written by another cluster (the cluster was restored from a backup)'
      : failure === 'gc-threshold'
        ? 'the time since the previous backup outlived the GC TTL (gc.ttlseconds)'
        : 'the collection holds no completed full backup';
  return (
    `${cause}, so no incremental can be appended: take a full backup to start a new chain ` +
    `(${statement}, or invoke the Lambda with {"kind":"full"}), ` +
    `or set the construct's autoRebaseline prop (${ENV.autoRebaseline}=true) to let the Lambda do it`
  );
}

/**
 * The decision table, first match wins:
 * 1. a backup of this collection is active: skip, except that a full backup due while an
 *    incremental runs waits for it (within the time budget) and is then taken;
 * 2. the event asks for a full backup: full;
 * 3. storage holds no completed full backup: full (INTO LATEST would fail);
 * 4. an incremental failed, after the newest layer in storage, for a reason only a full
 *    backup cures (foreign cluster, GC threshold): full if AUTO_REBASELINE, else fail
 *    with the runbook's instruction;
 * 5. a paused incremental belongs to the current chain (created after its full backup
 *    ended): full, so that the paused job, if resumed later, cannot interleave with new
 *    incrementals of the same chain;
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
  const chain = state.chain;
  if (chain === undefined) {
    return { action: 'submit', kind: 'full', reason: `storage holds no completed full backup in ${policy.collectionLabel}` };
  }
  if (state.brokenChain !== undefined) {
    const { job, failure } = state.brokenChain;
    if (!policy.autoRebaseline) {
      return { action: 'fail', reason: `incremental backup job ${job.jobId} failed: ${rebaselineInstruction(policy, failure)}` };
    }
    return { action: 'submit', kind: 'full', reason: `re-baselining: incremental backup job ${job.jobId} failed (${failure})` };
  }
  const pausedOnChain = state.paused.find((j) => j.kind === 'incremental' && j.created.getTime() > chain.fullEnd.getTime());
  if (pausedOnChain !== undefined) {
    return { action: 'submit', kind: 'full', reason: `incremental backup job ${pausedOnChain.jobId} is paused on the current chain: starting a new chain` };
  }
  if (chain.incrementals >= policy.maxIncrementals) {
    return { action: 'submit', kind: 'full', reason: `the chain holds ${chain.incrementals} incrementals (MAX_INCREMENTALS=${policy.maxIncrementals})` };
  }
  return { action: 'submit', kind: 'incremental', reason: `appending to the chain (${chain.incrementals} incrementals)` };
}
