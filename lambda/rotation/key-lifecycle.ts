import { KeyMetadata } from './user-access-keys';

/** IAM's quota AccessKeysPerUser: the rotation needs one free place for the new key. */
export const ACCESS_KEYS_PER_USER = 2;

/** What decides the fate of the user's keys, all read at the start of an invocation. */
export interface KeyContext {
  /** The key the secret holds as AWSCURRENT: what backup jobs are started with. */
  readonly currentKeyId: string;
  /** The key of a rotation in progress (AWSPENDING with a value): never touched. */
  readonly pendingKeyId?: string;
  /**
   * When the current key became current: the later of its secret version's creation and the
   * secret's last completed rotation. Every other key stopped being handed to new backup
   * jobs at or before this moment.
   */
  readonly currentSince: Date;
  readonly graceSeconds: number;
  readonly now: Date;
}

/**
 * Where a key of the user stands:
 * - `current`, `pending`: in use or about to be; never retired;
 * - `never-current`: created after the current key became current and not pending (a
 *   createSecret that failed between CreateAccessKey and PutSecretValue): no backup job
 *   ever carried it, so it may go at once;
 * - `in-grace`: a previous key whose grace period runs: a backup job started with it may
 *   still be writing;
 * - `retirable`: a previous key whose grace period is over.
 */
export type KeyStanding = 'current' | 'pending' | 'never-current' | 'in-grace' | 'retirable';

/** When previous keys may be retired: the grace period after the current key became current. */
export function graceEnds(context: KeyContext): Date {
  return new Date(context.currentSince.getTime() + context.graceSeconds * 1000);
}

export function standing(key: KeyMetadata, context: KeyContext): KeyStanding {
  if (key.accessKeyId === context.currentKeyId) return 'current';
  if (key.accessKeyId === context.pendingKeyId) return 'pending';
  if (key.created.getTime() > context.currentSince.getTime()) return 'never-current';
  return context.now.getTime() >= graceEnds(context).getTime() ? 'retirable' : 'in-grace';
}

export type RoomPlan = { readonly delete: readonly string[] } | { readonly blockedBy: string; readonly until: Date };

/**
 * Which keys createSecret deletes to make room for a new one, as few as needed: inactive keys,
 * then keys no job ever carried, then previous keys past their grace period, oldest first.
 * An active key whose grace period runs is never deleted: the plan names it and when it may go.
 * (A previous key past its grace period is deleted here without the reversible deactivation
 * first: the daily retirement normally took both steps long before the next rotation.)
 */
export function planRoom(keys: readonly KeyMetadata[], context: KeyContext): RoomPlan {
  const needed = keys.length - (ACCESS_KEYS_PER_USER - 1);
  if (needed <= 0) return { delete: [] };
  // An inactive key signs nothing, so deleting it costs only the way back (reactivation),
  // also within the grace period.
  const rank = (key: KeyMetadata): number => {
    const where = standing(key, context);
    if (where === 'current' || where === 'pending') return Infinity;
    if (key.status === 'Inactive') return 0;
    return where === 'never-current' ? 1 : where === 'retirable' ? 2 : Infinity;
  };
  const candidates = keys
    .filter((k) => rank(k) !== Infinity)
    .sort((a, b) => rank(a) - rank(b) || a.created.getTime() - b.created.getTime());
  if (candidates.length >= needed) return { delete: candidates.slice(0, needed).map((k) => k.accessKeyId) };
  const blocker = keys.find((k) => standing(k, context) === 'in-grace') ?? keys.find((k) => rank(k) === Infinity && k.accessKeyId !== context.currentKeyId) ?? keys[0];
  return { blockedBy: blocker.accessKeyId, until: graceEnds(context) };
}

export interface RetireStep {
  readonly accessKeyId: string;
  readonly action: 'deactivate' | 'delete';
}

export interface RetirementPlan {
  readonly steps: readonly RetireStep[];
  /** Previous keys still in their grace period, and when it ends. */
  readonly waiting: readonly { readonly accessKeyId: string; readonly until: Date }[];
}

/**
 * What a retirement does with each key that is neither current nor pending. Deactivation
 * comes first and is reversible (`aws iam update-access-key --status Active` brings a key
 * back if something still needed it); a key found inactive, by an earlier retirement or by
 * hand, is deleted, which is not. So a scheduled retirement takes two runs per key.
 * `immediately` (a leaked key) does both at once and ignores the grace period.
 */
export function planRetirement(keys: readonly KeyMetadata[], context: KeyContext, immediately: boolean): RetirementPlan {
  const steps: RetireStep[] = [];
  const waiting: { accessKeyId: string; until: Date }[] = [];
  for (const key of keys) {
    const where = standing(key, context);
    if (where === 'current' || where === 'pending') continue;
    if (where === 'in-grace' && !immediately) {
      waiting.push({ accessKeyId: key.accessKeyId, until: graceEnds(context) });
      continue;
    }
    if (key.status === 'Active') steps.push({ accessKeyId: key.accessKeyId, action: 'deactivate' });
    if (key.status === 'Inactive' || immediately) steps.push({ accessKeyId: key.accessKeyId, action: 'delete' });
  }
  return { steps, waiting };
}
