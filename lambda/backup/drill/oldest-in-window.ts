import { Session } from '../connect/session';
import { readStoredChain, StoredChain } from '../observe/stored-chain';
import { listBackups } from '../retention/observe-window';

/** What a drill of the window's oldest point restores: the chain (named), and the time. */
export interface OldestPointPlan {
  /** The full backup's subdirectory; undefined when the listing names none (use_backups_with_ids): LATEST. */
  readonly subdirectory?: string;
  readonly chain: StoredChain;
  readonly asOf: Date;
  /** For the run's message: which point, and why when it is not the window's very start. */
  readonly note: string;
}

/**
 * The oldest point the retention promises, `now - RETENTION_SECONDS`, and the chain that serves
 * it: the newest full backup ending at or before it (SHOW BACKUPS IN, one round trip), read by
 * name (`SHOW BACKUP FROM '<subdir>' IN`, the round trip a drill of the newest chain makes with
 * LATEST). The time restored:
 * - with revision history, the point itself when the chain reaches it;
 * - without, the first layer end at or after it (the only times such a chain restores to);
 * - when the chain ends before the point (a gap between chains), the chain's newest end: the
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
  const where = `the chain ${chosen.path ?? 'LATEST'}`;
  if (covering === undefined) {
    return { subdirectory: chosen.path, chain, asOf: chain.fullEnd, note: `the collection is younger than the window: its oldest point, ${chain.fullEnd.toISOString()}, from ${where}` };
  }
  const t = windowStart.getTime();
  if (chain.newestEnd.getTime() < t) {
    return { subdirectory: chosen.path, chain, asOf: chain.newestEnd, note: `the window's start ${windowStart.toISOString()} falls after ${where} ended: its newest end, the nearest point before it` };
  }
  const asOf = settings.revisionHistory ? windowStart : (chain.layerEnds.find((end) => end.getTime() >= t) ?? chain.newestEnd);
  return { subdirectory: chosen.path, chain, asOf, note: `the oldest point in the window (${windowStart.toISOString()}), from ${where}` };
}
