import { AccessKey } from '../backup/submit/storage';
import { AccessKeySecret } from './access-key-secret';
import { CURRENT, PENDING, SecretState, StoredValue, versionWith } from './rotated-secret';
import { RotationError } from './errors';
import { KeyContext } from './key-lifecycle';

/** The current key, a rotation's pending key if any, and what they mean for the other keys. */
export interface SecretKeys {
  readonly current: StoredValue<AccessKey>;
  readonly pending?: StoredValue<AccessKey>;
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
    context: { currentKeyId: current.value.accessKeyId, pendingKeyId: pending?.value.accessKeyId, currentSince, graceSeconds, now },
  };
}
