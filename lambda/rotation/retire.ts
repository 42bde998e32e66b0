import { log } from '../backup/report/log';
import { AccessKeySecret } from './access-key-secret';
import { RotationError } from './errors';
import { readSecretKeys } from './key-context';
import { planRetirement, RetireStep } from './key-lifecycle';
import { UserAccessKeys } from './user-access-keys';

export interface RetirementReport {
  readonly immediately: boolean;
  readonly steps: readonly RetireStep[];
  /** Keys deactivated or deleted (each counted once). */
  readonly retiredKeyIds: readonly string[];
  readonly waiting: readonly { readonly accessKeyId: string; readonly until: string }[];
}

/**
 * The `retire-previous-key` event: every key of the user that the secret holds neither as
 * AWSCURRENT nor as a rotation's AWSPENDING is deactivated once the grace period after the
 * current key became current is over, and deleted when a later retirement finds it inactive
 * (key-lifecycle.ts, planRetirement). It refuses to act when the secret's current key is not
 * one of the user's keys: then the secret and the user disagree, and a person must look.
 */
export async function retirePreviousKeys(secret: AccessKeySecret, keys: UserAccessKeys, graceSeconds: number, now: Date, immediately: boolean): Promise<RetirementReport> {
  const state = await secret.describe();
  const { context } = await readSecretKeys(secret, state, graceSeconds, now);
  const existing = await keys.list();
  if (!existing.some((k) => k.accessKeyId === context.currentKeyId)) {
    throw new RotationError(
      `the secret's AWSCURRENT key ${context.currentKeyId} is not a key of the user ${keys.userName} (it has ${existing.map((k) => k.accessKeyId).join(', ') || 'none'}): nothing retired`,
    );
  }
  const plan = planRetirement(existing, context, immediately);
  if (immediately && plan.steps.length > 0) {
    log('WARN', 'retiring previous access keys immediately, without their grace period: backup jobs still running with them will fail on their next S3 request', {
      keyIds: [...new Set(plan.steps.map((s) => s.accessKeyId))],
    });
  }
  for (const step of plan.steps) {
    if (step.action === 'deactivate') await keys.deactivate(step.accessKeyId);
    else await keys.delete(step.accessKeyId);
  }
  return {
    immediately,
    steps: plan.steps,
    retiredKeyIds: [...new Set(plan.steps.map((s) => s.accessKeyId))],
    waiting: plan.waiting.map((w) => ({ accessKeyId: w.accessKeyId, until: w.until.toISOString() })),
  };
}
