import { BackupKind } from '../../contract/backup-event';
import { compareJobIds } from './job';

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

export function pickWinner(contenders: readonly Contender[]): Contender {
  if (contenders.length === 0) throw new Error('pickWinner needs at least one contender');
  return contenders.reduce((best, c) => (beats(c, best) ? c : best));
}

function beats(a: Contender, b: Contender): boolean {
  if (a.kind !== b.kind) return a.kind === 'full';
  return compareJobIds(a.jobId, b.jobId) < 0;
}
