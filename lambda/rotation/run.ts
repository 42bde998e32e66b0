import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { MetricValues } from '../backup/report/metrics';
import { AccessKeySecret } from './access-key-secret';
import { RotationSettings } from './config';
import { parseRotationEvent, RotationStep } from './event';
import { describeCause, RotationError } from './errors';
import { Sleep } from './key-probe';
import { PublishSettings, publishRotation, RotationSummary } from './report';
import { retirePreviousKeys } from './retire';
import { runStep, StepHandlers, StepReport, DescribedSecret } from './step-runner';
import { accessKeySteps } from './steps';
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

/** One kind of rotated secret, as an invocation of one of its steps needs it. */
export interface RotationKind<R extends StepReport> {
  readonly summary: RotationSummary['summary'];
  /** What the secret is called in messages ("access-key secret", "connection secret"). */
  readonly secretName: string;
  /** The one secret the function rotates: a step event must name it. */
  readonly secretArn: string;
  /** Whose secret it is, for messages ("user backup-user"), and the summary line's fields for it. */
  readonly owner?: { readonly text: string; readonly fields: Readonly<Record<string, string>> };
  readonly secret: DescribedSecret;
  readonly steps: StepHandlers<R>;
  /** The metrics of a step that succeeded (`acted`: it did something) and of one that failed. */
  readonly metrics: { succeeded(step: RotationStep, acted: boolean): MetricValues; readonly failed: MetricValues };
}

/**
 * One step of Secrets Manager's rotation for a kind of secret: the metrics, one summary line,
 * and on failure a RotationError naming the step and the secret, rethrown (Secrets Manager then
 * keeps AWSCURRENT where it is and retries later; the Lambda Errors metric sees it too).
 */
export async function runKindStep<R extends StepReport>(
  kind: RotationKind<R>,
  publish: PublishSettings,
  step: RotationStep,
  secretId: string,
  token: string,
  now: () => Date,
): Promise<RotationSummary> {
  const base = { summary: kind.summary, action: step, secretId, ...kind.owner?.fields, token } as const;
  try {
    if (secretId !== kind.secretArn) {
      throw new RotationError(`the event's SecretId ${secretId} is not the ${kind.secretName} ${kind.secretArn}: this function rotates that secret only`);
    }
    const report = await runStep(kind.secret, kind.steps, step, token);
    const summary: RotationSummary = { ...base, outcome: 'succeeded', ...report };
    publishRotation(publish, kind.metrics.succeeded(step, report.acted), summary, now());
    return summary;
  } catch (error) {
    const message = `${step} failed for the ${kind.secretName} ${secretId}${kind.owner === undefined ? '' : ` (${kind.owner.text})`}: ${describeCause(error)}`;
    publishRotation(publish, kind.metrics.failed, { ...base, outcome: 'failed', error: message }, now());
    throw new RotationError(message);
  }
}

/**
 * A step of the access key's rotation. Metrics: RotationFailed (0, or 1 when the step failed)
 * and RotationSucceeded 1 when finishSecret made the new key current.
 */
async function runStepOf(deps: RotationDependencies, keys: UserAccessKeys, step: RotationStep, secretId: string, token: string): Promise<RotationSummary> {
  const { settings } = deps;
  const secret = new AccessKeySecret(deps.secretsManager, settings.secretArn);
  const kind: RotationKind<StepReport> = {
    summary: SUMMARY,
    secretName: 'access-key secret',
    secretArn: settings.secretArn,
    owner: { text: `user ${settings.userName}`, fields: { userName: settings.userName } },
    secret,
    steps: accessKeySteps({ settings, secret, keys, sleep: deps.sleep, now: deps.now }),
    metrics: {
      succeeded: (done, acted) => ({ rotationFailed: 0, ...(done === 'finishSecret' && acted ? { rotationSucceeded: 1 } : {}) }),
      failed: { rotationFailed: 1 },
    },
  };
  return runKindStep(kind, settings, step, secretId, token, deps.now);
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
