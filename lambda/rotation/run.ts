import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '../backup/config';
import { MetricValues } from '../backup/metrics';
import { redactedMessage } from '../backup/redact';
import { AccessKeySecret } from './access-key-secret';
import { RotationSettings } from './config';
import { parseRotationEvent } from './event';
import { RotationError } from './key-context';
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

function describeError(error: unknown): string {
  return error instanceof RotationError ? error.message : `${error instanceof Error ? error.name : 'Error'}: ${redactedMessage(error)}`;
}

/**
 * One invocation: a rotation step or a retirement. Writes metrics and one summary line, and
 * on failure rethrows a RotationError naming the step (Secrets Manager then keeps AWSCURRENT
 * where it is and retries later; the Lambda Errors metric sees it too).
 * Metrics: RotationFailed (0 or 1) for every step, RotationSucceeded 1 when finishSecret made
 * the new key current, PreviousKeyRetired for the keys a retirement deactivated or deleted.
 */
export async function runRotation(event: unknown, deps: RotationDependencies): Promise<RotationSummary> {
  const { settings } = deps;
  const request = parseRotationEvent(event);
  const keys = new UserAccessKeys(deps.iam, settings.userName);
  const base = { summary: 'access-key rotation', userName: settings.userName } as const;

  if (request.kind === 'retire') {
    const secret = new AccessKeySecret(deps.secretsManager, settings.secretArn);
    const action = 'retire-previous-key';
    try {
      const report = await retirePreviousKeys(secret, keys, settings.previousKeyGraceSeconds, deps.now(), request.immediately);
      const summary: RotationSummary = { ...base, action, outcome: 'succeeded', secretId: settings.secretArn, ...report };
      publishRotation(settings, { previousKeyRetired: report.retiredKeyIds.length }, summary, deps.now());
      return summary;
    } catch (error) {
      const message = describeError(error);
      publishRotation(settings, {}, { ...base, action, outcome: 'failed', secretId: settings.secretArn, error: message }, deps.now());
      throw new RotationError(error instanceof RotationError ? message : `${action} failed for the user ${settings.userName}: ${message}`);
    }
  }

  const { step, secretId, token } = request;
  if (secretId !== settings.secretArn) {
    throw new ConfigurationError(`the event's SecretId ${secretId} is not the access-key secret ${settings.secretArn}: this function rotates that secret only`);
  }
  const services = { settings, secret: new AccessKeySecret(deps.secretsManager, secretId), keys, sleep: deps.sleep, now: deps.now };
  try {
    const report = await runStep(services, step, token);
    const values: MetricValues = { rotationFailed: 0, ...(step === 'finishSecret' && report.acted ? { rotationSucceeded: 1 } : {}) };
    const summary: RotationSummary = { ...base, action: step, outcome: 'succeeded', secretId, token, ...report };
    publishRotation(settings, values, summary, deps.now());
    return summary;
  } catch (error) {
    const message = `${step} failed for the access-key secret ${secretId} (user ${settings.userName}): ${describeError(error)}`;
    publishRotation(settings, { rotationFailed: 1 }, { ...base, action: step, outcome: 'failed', secretId, token, error: message }, deps.now());
    throw new RotationError(message);
  }
}
