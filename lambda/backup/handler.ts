import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { BackupEvent, RunKind } from '../../contract/backup-event';
import { Budget } from './connect/budget';
import { BackupSettings, parseEvent, parseSecretArns, parseSettings, SecretArns } from './connect/config';
import { DrillStateStore, SsmDrillStateStore } from './drill/drill-state-store';
import { writeJsonLine } from './report/log';
import { publishRun } from './report/publish';
import { redactedMessage } from './report/redact';
import { BackupResult } from './report/result';
import { runRequested } from './run';
import { FollowStore, SsmFollowStore } from './follow/follow-store';
import { SecretsManagerSource } from './connect/secrets-manager';
import { RetentionPromiseSource, SsmRetentionPromise } from './retention/promise';

/**
 * The password rotation function's entry, a second export of this bundle
 * (`index.passwordRotationHandler`): it uses this bundle's connection code (lambda/rotation/password-handler.ts).
 */
export { passwordRotationHandler } from '../rotation/password-handler';

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/** Kept for the summary line and metrics after the budget ends. */
export const SAFETY_MARGIN_MS = 3000;

// Secrets are kept across warm invocations of one execution environment (one fetch per
// cold start); the source is rebuilt only if the configuration names other secrets.
let cachedSource: { key: string; source: SecretsManagerSource } | undefined;

function secretSource(arns: SecretArns, requireCa: boolean): SecretsManagerSource {
  const key = `${arns.connectionSecretArn}|${arns.accessKeySecretArn}|${requireCa}`;
  if (cachedSource?.key !== key) {
    cachedSource = { key, source: new SecretsManagerSource(new SecretsManagerClient({}), arns, requireCa) };
  }
  return cachedSource.source;
}

// One SSM client per execution environment, created only when drills, following or retention are on.
let ssmClient: SSMClient | undefined;

/** A store of `parameter` on the shared SSM client, or undefined when its feature is off (no parameter). */
function onParameter<T>(parameter: string | undefined, store: (client: SSMClient, name: string) => T): T | undefined {
  if (parameter === undefined) return undefined;
  ssmClient ??= new SSMClient({});
  return store(ssmClient, parameter);
}

const retentionPromise = (settings: BackupSettings): RetentionPromiseSource | undefined =>
  onParameter(settings.retentionParameter, (client, name) => new SsmRetentionPromise(client, name));
const drillStateStore = (settings: BackupSettings): DrillStateStore | undefined =>
  onParameter(settings.drillStateParameter, (client, name) => new SsmDrillStateStore(client, name));
const followStore = (settings: BackupSettings): FollowStore | undefined =>
  onParameter(settings.followStateParameter, (client, name) => new SsmFollowStore(client, name));

function readInvocation(event: unknown): { settings: BackupSettings; arns: SecretArns; requested: RunKind } {
  try {
    return { settings: parseSettings(process.env), arns: parseSecretArns(process.env), requested: parseEvent(event).kind };
  } catch (error) {
    const message = redactedMessage(error);
    writeJsonLine({ level: 'ERROR', summary: 'backup run', action: 'failed', message });
    throw new Error(message);
  }
}

/**
 * The Lambda entry: configuration and event in, result out, for every run kind (run.ts). A
 * run that did not do what it was for (`failed`: no new or running backup, files missing
 * or not checked, a failed drill) still writes its summary line and metrics, then throws,
 * so that the Lambda's Errors metric (and an async retry or dead-letter queue) sees it
 * too. `skipped` is not a failure: another backup of the collection is running. Invalid
 * configuration throws before anything else, with the variable and the value expected (no
 * metric: its dimension may be what is invalid).
 */
export const handler = backupHandler(() => new Date());

/** The handler reading time from `now` (the wall clock in the Lambda; tests pass a simulated clock). */
export function backupHandler(now: () => Date): (event: BackupEvent, context: InvocationContext) => Promise<BackupResult> {
  return async (event, context) => {
    const { settings, arns, requested } = readInvocation(event);
    const result = await runRequested({
      settings,
      requested,
      secrets: secretSource(arns, settings.tlsVerify),
      budget: Budget.fromNow(Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS)),
      now,
      drillState: drillStateStore(settings),
      followStore: followStore(settings),
      retentionPromise: retentionPromise(settings),
    });
    publishRun(result, settings, now());
    if (result.action === 'failed') throw new Error(result.message);
    return result;
  };
}
