import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricValues } from '../backup/report/metrics';
import { AccessKeySecret } from './access-key-secret';
import { RotationSettings } from './config';
import { parseRotationEvent, RotationStep } from './event';
import { describeCause, RotationError } from './errors';
import { Sleep } from './key-probe';
import { publishRotation, RotationSummary } from './report';
import { retirePreviousKeys } from './retire';
import { runStep } from './steps';
import { UserAccessKeys } from './user-access-keys';

/** What an invocation works with: built once per cold start by handler.ts, injected by tests. */
export interface RotationDependencies {
  readonly settings: RotationSettings;
  readonly secretsManager: SecretsManagerClient;
  readonly iam: IAMClient;
  /** testSecret's waits between attempts (tests pass one that does not sleep). */
  readonly sleep: Sleep;
  readonly now: () => Date;
}

const SUMMARY = 'access-key rotation';

/**
 * One invocation: a rotation step or a retirement. Writes metrics and one summary line, and
 * on failure rethrows a RotationError naming the step (Secrets Manager then keeps AWSCURRENT
 * where it is and retries later; the Lambda Errors metric sees it too).
 */
export async function runRotation(event: unknown, deps: RotationDependencies): Promise<RotationSummary> {
  const request = parseRotationEvent(event);
  const keys = new UserAccessKeys(deps.iam, deps.settings.userName);
  return request.kind === 'retire' ? runRetirement(deps, keys, request.immediately) : runStepOf(deps, keys, request.step, request.secretId, request.token);
}

/**
 * A step of Secrets Manager's rotation. Metrics: RotationFailed (0, or 1 when the step failed)
 * and RotationSucceeded 1 when finishSecret made the new key current.
 */
async function runStepOf(deps: RotationDependencies, keys: UserAccessKeys, step: RotationStep, secretId: string, token: string): Promise<RotationSummary> {
  const { settings } = deps;
  const base = { summary: SUMMARY, action: step, secretId, userName: settings.userName, token } as const;
  try {
    if (secretId !== settings.secretArn) {
      throw new RotationError(`the event's SecretId ${secretId} is not the access-key secret ${settings.secretArn}: this function rotates that secret only`);
    }
    const services = { settings, secret: new AccessKeySecret(deps.secretsManager, secretId), keys, sleep: deps.sleep, now: deps.now };
    const report = await runStep(services, step, token);
    const values: MetricValues = { rotationFailed: 0, ...(step === 'finishSecret' && report.acted ? { rotationSucceeded: 1 } : {}) };
    const summary: RotationSummary = { ...base, outcome: 'succeeded', ...report };
    publishRotation(settings, values, summary, deps.now());
    return summary;
  } catch (error) {
    const message = `${step} failed for the access-key secret ${secretId} (user ${settings.userName}): ${describeCause(error)}`;
    publishRotation(settings, { rotationFailed: 1 }, { ...base, outcome: 'failed', error: message }, deps.now());
    throw new RotationError(message);
  }
}

/**
 * The retire-previous-key event. Metric: PreviousKeyRetired, the keys deactivated or deleted.
 * A failed retirement emits no metric of its own: it throws, and the function's Errors metric shows it.
 */
async function runRetirement(deps: RotationDependencies, keys: UserAccessKeys, immediately: boolean): Promise<RotationSummary> {
  const { settings } = deps;
  const base = { summary: SUMMARY, action: 'retire-previous-key', secretId: settings.secretArn, userName: settings.userName } as const;
  const secret = new AccessKeySecret(deps.secretsManager, settings.secretArn);
  try {
    const report = await retirePreviousKeys(secret, keys, settings.previousKeyGraceSeconds, deps.now(), immediately);
    const summary: RotationSummary = { ...base, outcome: 'succeeded', ...report };
    publishRotation(settings, { previousKeyRetired: report.retiredKeyIds.length }, summary, deps.now());
    return summary;
  } catch (error) {
    const message = `${base.action} failed for the user ${settings.userName}: ${describeCause(error)}`;
    publishRotation(settings, {}, { ...base, outcome: 'failed', error: message }, deps.now());
    throw new RotationError(message);
  }
}
