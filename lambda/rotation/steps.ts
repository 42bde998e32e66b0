import { AccessKeySecret, CURRENT, PENDING, versionWith } from './access-key-secret';
import { RotationStep } from './event';
import { RotationError, readSecretKeys } from './key-context';
import { planRoom } from './key-lifecycle';
import { probeKey, Sleep } from './key-probe';
import { RotationSettings } from './config';
import { UserAccessKeys } from './user-access-keys';

export interface StepServices {
  readonly settings: RotationSettings;
  readonly secret: AccessKeySecret;
  readonly keys: UserAccessKeys;
  readonly sleep: Sleep;
  readonly now: () => Date;
}

/** What a step did, for the summary line (key ids only). */
export interface StepReport {
  /** False when the token's version was already current: a repeated invocation after the rotation finished. */
  readonly acted: boolean;
  readonly keyId?: string;
  readonly deletedKeyIds?: readonly string[];
  readonly attempts?: number;
  readonly note?: string;
}

/**
 * The checks every step starts with (AWS's rotation templates): rotation is on for the
 * secret, and the token is a version of it staged AWSPENDING; a version already AWSCURRENT
 * means the rotation finished and a retried invocation has nothing to do.
 */
async function tokenIsPending(services: StepServices, token: string): Promise<boolean> {
  const state = await services.secret.describe();
  if (!state.rotationEnabled) throw new RotationError(`rotation is not enabled for the secret ${services.secret.secretId}`);
  const stages = state.versionStages[token];
  if (stages === undefined) throw new RotationError(`version ${token} of the secret ${services.secret.secretId} does not exist: it has no stage for rotation`);
  if (stages.includes(CURRENT)) return false;
  if (!stages.includes(PENDING)) throw new RotationError(`version ${token} of the secret ${services.secret.secretId} is not staged AWSPENDING`);
  return true;
}

/**
 * createSecret: a new key for the user, stored as the token's version staged AWSPENDING.
 * Idempotent: a pending value for the token means an earlier invocation did it. IAM allows
 * two keys per user, so room is made first (key-lifecycle.ts, planRoom); a previous key in
 * its grace period is never deleted, and the step then fails saying which key and when.
 */
async function createSecret(services: StepServices, token: string): Promise<StepReport> {
  const existing = await services.secret.read(PENDING, token);
  if (existing !== undefined) return { acted: false, keyId: existing.key.accessKeyId, note: 'the pending key already exists' };
  const state = await services.secret.describe();
  const { context } = await readSecretKeys(services.secret, state, services.settings.previousKeyGraceSeconds, services.now());
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
  await services.secret.putPending(token, key);
  return { acted: true, keyId: key.accessKeyId, deletedKeyIds: plan.delete };
}

/**
 * setSecret: nothing to set. In a database rotation this step gives the new password to the
 * database; an access key is live in IAM from CreateAccessKey on, so there is no other system
 * to update (CockroachDB receives the key in each BACKUP statement's URI).
 */
async function setSecret(): Promise<StepReport> {
  return { acted: false, note: 'an access key needs no setting elsewhere' };
}

/** testSecret: the pending key signs a request on the collection (key-probe.ts). A failure leaves AWSCURRENT where it is. */
async function testSecret(services: StepServices, token: string): Promise<StepReport> {
  const pending = await services.secret.read(PENDING, token);
  if (pending === undefined) throw new RotationError(`version ${token} holds no pending key: createSecret did not store one`);
  try {
    const attempts = await probeKey(services.settings, pending.key, services.sleep);
    return { acted: true, keyId: pending.key.accessKeyId, attempts };
  } catch (error) {
    throw new RotationError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * finishSecret: AWSCURRENT moves to the token's version, and Secrets Manager labels the
 * version it left AWSPREVIOUS. The previous key stays active: backup jobs started with it may
 * still run; the retirement deactivates it after the grace period, never this step.
 */
async function finishSecret(services: StepServices, token: string): Promise<StepReport> {
  const state = await services.secret.describe();
  const currentVersion = versionWith(state, CURRENT);
  const pending = await services.secret.read(PENDING, token);
  if (currentVersion !== undefined) await services.secret.makeCurrent(token, currentVersion);
  return { acted: true, keyId: pending?.key.accessKeyId };
}

const STEPS: Record<RotationStep, (services: StepServices, token: string) => Promise<StepReport>> = { createSecret, setSecret, testSecret, finishSecret };

/** Runs one step of Secrets Manager's rotation for the token. */
export async function runStep(services: StepServices, step: RotationStep, token: string): Promise<StepReport> {
  if (!(await tokenIsPending(services, token))) return { acted: false, note: `version ${token} is already AWSCURRENT` };
  return STEPS[step](services, token);
}
