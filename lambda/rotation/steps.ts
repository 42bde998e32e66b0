import { AccessKeySecret } from './access-key-secret';
import { describeCause, RotationError } from './errors';
import { readSecretKeys } from './key-context';
import { planRoom } from './key-lifecycle';
import { probeKey, Sleep } from './key-probe';
import { RotationSettings } from './config';
import { CURRENT, PENDING, SecretState, versionWith } from './rotated-secret';
import { StepHandlers, StepReport } from './step-runner';
import { UserAccessKeys } from './user-access-keys';

export interface StepServices {
  readonly settings: RotationSettings;
  readonly secret: AccessKeySecret;
  readonly keys: UserAccessKeys;
  readonly sleep: Sleep;
  readonly now: () => Date;
}

/** What a step did to the access key, for the summary line (key ids only). */
export interface KeyStepReport extends StepReport {
  readonly keyId?: string;
  readonly deletedKeyIds?: readonly string[];
  readonly attempts?: number;
}

/** Runs a call concerning one key; its failure names the key id and what was being done with it. */
async function aboutKey(keyId: string | undefined, doing: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (error) {
    throw new RotationError(`key ${keyId ?? '(unknown)'}, ${doing}: ${describeCause(error)}`);
  }
}

/**
 * createSecret: a new key for the user, stored as the token's version staged AWSPENDING.
 * Idempotent: a pending value for the token means an earlier invocation did it. IAM allows
 * two keys per user, so room is made first (key-lifecycle.ts, planRoom); a previous key in
 * its grace period is never deleted, and the step then fails saying which key and when.
 */
async function createSecret(services: StepServices, state: SecretState, token: string): Promise<KeyStepReport> {
  // The token's version holds AWSPENDING (checked before every step), so `pending` is its value.
  const { pending, context } = await readSecretKeys(services.secret, state, services.settings.previousKeyGraceSeconds, services.now());
  if (pending !== undefined) return { acted: false, keyId: pending.value.accessKeyId, note: 'the pending key already exists' };
  const plan = planRoom(await services.keys.list(), context);
  if ('blockedBy' in plan) {
    throw new RotationError(
      `the user ${services.keys.userName} already holds two access keys and key ${plan.blockedBy} may still be in use by a backup job until ${plan.until.toISOString()} ` +
        `(the previous key's grace period): the scheduled retirement deactivates it after that, then deletes it, and the next rotation succeeds; ` +
        `after a leak, retire it at once with {"action":"retire-previous-key","immediately":true}`,
    );
  }
  for (const accessKeyId of plan.delete) await services.keys.delete(accessKeyId);
  const key = await services.keys.create();
  // Failing here leaves a key no backup ever carried: the retried step deletes it to make room.
  await aboutKey(key.accessKeyId, 'storing it as the pending version', () => services.secret.putPending(token, key));
  return { acted: true, keyId: key.accessKeyId, deletedKeyIds: plan.delete };
}

/**
 * setSecret: nothing to set. In a database rotation this step gives the new password to the
 * database; an access key is live in IAM from CreateAccessKey on, so there is no other system
 * to update (CockroachDB receives the key in each BACKUP statement's URI).
 */
async function setSecret(): Promise<KeyStepReport> {
  return { acted: false, note: 'an access key needs no setting elsewhere' };
}

/** testSecret: the pending key signs a request on the collection (key-probe.ts). A failure leaves AWSCURRENT where it is. */
async function testSecret(services: StepServices, _state: SecretState, token: string): Promise<KeyStepReport> {
  const pending = await services.secret.read(PENDING, token);
  if (pending === undefined) throw new RotationError(`version ${token} holds no pending key: createSecret did not store one`);
  const attempts = await probeKey(services.settings, pending.value, services.sleep);
  return { acted: true, keyId: pending.value.accessKeyId, attempts };
}

/**
 * finishSecret: AWSCURRENT moves to the token's version, and Secrets Manager labels the
 * version it left AWSPREVIOUS. The previous key stays active: backup jobs started with it may
 * still run; the retirement deactivates it after the grace period, never this step.
 */
async function finishSecret(services: StepServices, state: SecretState, token: string): Promise<KeyStepReport> {
  const currentVersion = versionWith(state, CURRENT);
  const pending = await services.secret.read(PENDING, token);
  const keyId = pending?.value.accessKeyId;
  await aboutKey(keyId, 'making it current', () => services.secret.makeCurrent(token, currentVersion));
  return { acted: true, keyId };
}

/** The access key's four steps, for the step runner (step-runner.ts), which checks the token first. */
export function accessKeySteps(services: StepServices): StepHandlers<KeyStepReport> {
  return {
    createSecret: (state, token) => createSecret(services, state, token),
    setSecret: () => setSecret(),
    testSecret: (state, token) => testSecret(services, state, token),
    finishSecret: (state, token) => finishSecret(services, state, token),
  };
}
