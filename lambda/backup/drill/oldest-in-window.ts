import { Session } from '../connect/session';
import { readStoredChain, StoredChain } from '../observe/stored-chain';
import { listBackups } from '../retention/observe-window';

/** What a drill of the window's oldest point restores: the chain (named), and the time. */
export interface OldestPointPlan {
  /** The full backup's subdirectory. */
  readonly subdirectory: string;
  readonly chain: StoredChain;
  /** The AS OF SYSTEM TIME; undefined: the chain's newest layer, restored without one (at its exact end). */
  readonly asOf?: Date;
  /** For the run's message: which point, and why when it is not the window's very start. */
  readonly note: string;
}

/**
 * The oldest point the retention promises, `now - RETENTION_SECONDS`, and the chain that serves
 * it: the newest full backup ending at or before it (SHOW BACKUPS IN, one round trip), read by
 * name (`SHOW BACKUP FROM '<subdir>' IN`): the same two round trips as a drill of the newest
 * chain. The time restored:
 * - with revision history, the point itself when the chain reaches it;
 * - without, the chain's newest end, restored without AS OF SYSTEM TIME: such a chain restores
 *   only to a layer's exact end, and only the newest can be named exactly (drill-plan.ts);
 *   so too when the chain ends before the point (a gap between chains): its newest end, the
 *   restorable point nearest before it, and the message says so;
 * - a collection younger than the window: its oldest full backup's end, the oldest point there is.
 * Undefined when storage lists no backup.
 */
export async function oldestPointInWindow(
  session: Session,
  target: string,
  settings: { readonly retentionSeconds: number; readonly revisionHistory: boolean },
  now: Date,
): Promise<OldestPointPlan | undefined> {
  const backups = await listBackups(session, target);
  if (backups.length === 0) return undefined;
  const windowStart = new Date(now.getTime() - settings.retentionSeconds * 1000);
  const covering = backups.filter((b) => b.end.getTime() <= windowStart.getTime()).pop();
  const chosen = covering ?? backups[0];
  const chain = await readStoredChain(session, target, chosen.path);
  if (chain === undefined) return undefined;
  const where = `the chain ${chosen.path}`;
  if (!settings.revisionHistory) {
    return { subdirectory: chosen.path, chain, note: `the newest end of ${where}, the oldest chain a drill reaches the window's start ${windowStart.toISOString()} with (without revision history a chain restores only to a layer's end)` };
  }
  if (covering === undefined) {
    return { subdirectory: chosen.path, chain, asOf: chain.fullEnd, note: `the collection is younger than the window: its oldest point, ${chain.fullEnd.toISOString()}, from ${where}` };
  }
  if (chain.newestEnd.getTime() < windowStart.getTime()) {
    return { subdirectory: chosen.path, chain, note: `the window's start ${windowStart.toISOString()} falls after ${where} ended: its newest end, the nearest point before it` };
  }
  return { subdirectory: chosen.path, chain, asOf: windowStart, note: `the oldest point in the window (${windowStart.toISOString()}), from ${where}` };
}
