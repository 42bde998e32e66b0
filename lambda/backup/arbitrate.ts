import { BackupKind } from '../../contract/backup-event';
import { compareJobIds, JobRow } from './job';

/**
 * Two invocations for one collection can overlap (the local runner, a manual run, a
 * redelivered event), even though production runs the Lambda with reserved
 * concurrency 1. Each checks the job table, then submits. Race analysis:
 *
 * - The invocation that looked at the table after the other one submitted sees the
 *   other's job and skips: no race.
 * - Otherwise both submitted. After submitting, each lists the collection's newest
 *   jobs and looks at the active ones. The one that listed first may see only its own job (the other's did not exist
 *   yet); the one that listed last sees both. So only the later one is sure to see the
 *   conflict, and it must be able to resolve it whichever job should lose, including
 *   its own.
 *
 * Hence a verdict that depends only on the set of contenders, never on who looks:
 * a full backup beats an incremental (it starts a chain the incremental would not
 * belong to), otherwise the lower job id wins (ids compared as BigInt). Whoever sees a
 * loser cancels it; a run whose own job lost reports `superseded`, naming the winner.
 * Both runs reach the same verdict when both see both, and cancelling twice is harmless.
 */
export interface Contender {
  readonly jobId: string;
  readonly kind: BackupKind;
}

export function pickWinner<C extends Contender>(contenders: readonly C[]): C {
  if (contenders.length === 0) throw new Error('pickWinner needs at least one contender');
  return contenders.reduce((best, c) => (beats(c, best) ? c : best));
}

function beats(a: Contender, b: Contender): boolean {
  if (a.kind !== b.kind) return a.kind === 'full';
  return compareJobIds(a.jobId, b.jobId) < 0;
}

/**
 * How far apart the creations of two racing jobs can be. Both are created after the
 * earlier run's reconcile query (or that run would have skipped) and before its BACKUP
 * statement returned: between the two lie at most the statements of one submit path
 * (the external connection's and the BACKUP itself), normally milliseconds. A minute
 * covers them when the cluster is slow. Outside a race the Lambda never leaves two
 * backups of a collection running at once (decide.ts skips or waits), so the window
 * only has to be wide enough, not tight.
 */
export const RACE_WINDOW_MS = 60_000;

/**
 * The job a canceled job lost to in an arbitration, read from the job table alone (the
 * Lambda keeps no state), so that a later run reports the loser as superseded rather
 * than failed. A loser is canceled by a run that saw it and the winner both active
 * (within the first look after submitting): so the winner was created within
 * RACE_WINDOW_MS of it, existed before it was canceled, had not ended when it was
 * created, beats it, and was not canceled itself. A job a person canceled has no such
 * partner and stays a failure.
 */
export function supersedingJob<J extends JobRow & Contender>(job: J, jobs: readonly J[]): J | undefined {
  if (job.status !== 'canceled' || job.finished === undefined) return undefined;
  const canceledAt = job.finished.getTime();
  const partners = jobs.filter(
    (other) =>
      other.jobId !== job.jobId &&
      other.status !== 'canceled' &&
      Math.abs(other.created.getTime() - job.created.getTime()) <= RACE_WINDOW_MS &&
      other.created.getTime() <= canceledAt &&
      (other.finished === undefined || other.finished.getTime() >= job.created.getTime()) &&
      beats(other, job),
  );
  return partners.length === 0 ? undefined : pickWinner(partners);
}
