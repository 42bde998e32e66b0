import { AccessKeySecret, CURRENT, PENDING, SecretState, StoredKey, versionWith } from './access-key-secret';
import { KeyContext } from './key-lifecycle';

/** A step or retirement failed; the message names the step and the key ids concerned, never a secret. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

/** The current key, a rotation's pending key if any, and what they mean for the other keys. */
export interface SecretKeys {
  readonly current: StoredKey;
  readonly pending?: StoredKey;
  readonly context: KeyContext;
}

/**
 * Reads what createSecret and a retirement decide by: the AWSCURRENT key, the AWSPENDING
 * key of a rotation in progress (a version other than the current one, holding a value), and
 * since when the current key is current. That moment is the later of the current version's
 * creation (a version staged AWSCURRENT by PutSecretValue, as the construct's manual
 * rotation does, is current from its creation) and the secret's LastRotatedDate ("the most
 * recent date and time that the rotation process was successfully completed", DescribeSecret
 * API reference), which covers a version created by createSecret long before a retried
 * rotation made it current. Without either it is now: the grace period starts late, never early.
 */
export async function readSecretKeys(secret: AccessKeySecret, state: SecretState, graceSeconds: number, now: Date): Promise<SecretKeys> {
  const current = await secret.read(CURRENT);
  if (current === undefined) throw new RotationError(`the access-key secret ${secret.secretId} has no AWSCURRENT value`);
  const pendingVersion = versionWith(state, PENDING);
  const pending = pendingVersion === undefined || pendingVersion === current.versionId ? undefined : await secret.read(PENDING, pendingVersion);
  const moments = [current.created, state.lastRotated].filter((d): d is Date => d !== undefined).map((d) => d.getTime());
  const currentSince = new Date(moments.length === 0 ? now.getTime() : Math.min(now.getTime(), Math.max(...moments)));
  return {
    current,
    pending,
    context: { currentKeyId: current.key.accessKeyId, pendingKeyId: pending?.key.accessKeyId, currentSince, graceSeconds, now },
  };
}
