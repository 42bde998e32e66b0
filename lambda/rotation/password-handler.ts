/**
 * The password rotation function: Secrets Manager's four rotation steps for the connection
 * secret, changing the SQL user's own password (docs/password-rotation.md). It ships in the
 * backup Lambda's bundle as a second export, `passwordRotationHandler` (lambda/backup/handler.ts):
 * it needs that bundle's pg, TLS and connection code, and a bundle of its own would repeat them.
 *
 * The AWS calls it makes, for its least-privilege policy (lib/credentials/password-rotation.ts):
 * Secrets Manager, on the connection secret only: secretsmanager:DescribeSecret,
 * secretsmanager:GetSecretValue, secretsmanager:PutSecretValue,
 * secretsmanager:UpdateSecretVersionStage (no GetRandomPassword: new-password.ts makes the
 * password). Nothing else: the cluster is reached over the network (the backup function's VPC
 * placement), with the secret's credentials.
 * Its environment: the backup Lambda's (contract/environment.ts), of which it reads
 * CONNECTION_SECRET_ARN, TLS_VERIFY, CONNECT_TIMEOUT_MS, STATEMENT_TIMEOUT_MS and the metrics'
 * namespace and collection (for the summary line's settings only: it emits no metric; its
 * failures throw, which the function's Errors alarm sees).
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Budget } from '../backup/connect/budget';
import { BackupSettings, ConfigurationError, parseSecretArns, parseSettings } from '../backup/connect/config';
import { Session, sessionOptions } from '../backup/connect/session';
import { connectionSecretFormat } from './connection-secret-versions';
import { parseRotationEvent } from './event';
import { newPassword } from './new-password';
import { passwordSteps } from './password-steps';
import { RotationSummary } from './report';
import { RotatedSecret } from './rotated-secret';
import { runKindStep } from './run';

/** What an invocation works with: built once per cold start, injected by tests. */
export interface PasswordRotationDependencies {
  readonly settings: BackupSettings;
  readonly connectionSecretArn: string;
  readonly secretsManager: SecretsManagerClient;
  readonly now: () => Date;
}

/** The part of the Lambda context the handler uses. */
export interface RotationContext {
  getRemainingTimeInMillis(): number;
}

/** Kept for the summary line after the budget ends (as the backup Lambda keeps it). */
const SAFETY_MARGIN_MS = 3000;

/**
 * One step of the connection secret's rotation. The retirement event is the access-key
 * rotation's: refused here. Each step opens at most two connections, each bounded by the
 * connect and statement timeouts and by what is left of the invocation.
 */
export async function runPasswordRotation(event: unknown, deps: PasswordRotationDependencies, remainingMs: number): Promise<RotationSummary> {
  const request = parseRotationEvent(event);
  if (request.kind !== 'step') {
    throw new ConfigurationError('the password rotation function takes the steps of Secrets Manager\'s rotation only; retire-previous-key is the access-key rotation function\'s');
  }
  const { settings } = deps;
  const secret = new RotatedSecret(deps.secretsManager, deps.connectionSecretArn, connectionSecretFormat(settings.tlsVerify));
  const budget = Budget.fromNow(Math.max(0, remainingMs - SAFETY_MARGIN_MS));
  const connect = (connection: Parameters<typeof Session.open>[0]): Promise<Session> => Session.open(connection, sessionOptions(settings, budget));
  return runKindStep(
    {
      summary: 'password rotation',
      secretName: 'connection secret',
      secretArn: deps.connectionSecretArn,
      secret,
      steps: passwordSteps({ secret, connect, newPassword }),
      metrics: { succeeded: () => ({}), failed: {} },
    },
    settings,
    request.step,
    request.secretId,
    request.token,
    deps.now,
  );
}

let dependencies: PasswordRotationDependencies | undefined;

/** The Lambda entry (`index.passwordRotationHandler` in the backup bundle): the client is made once per cold start. */
export async function passwordRotationHandler(event: unknown, context: RotationContext): Promise<RotationSummary> {
  dependencies ??= {
    settings: parseSettings(process.env),
    connectionSecretArn: parseSecretArns(process.env).connectionSecretArn,
    // Region from AWS_REGION (set by Lambda); AWS_ENDPOINT_URL_SECRETS_MANAGER points tests at the fake.
    secretsManager: new SecretsManagerClient({}),
    now: () => new Date(),
  };
  return runPasswordRotation(event, dependencies, context.getRemainingTimeInMillis());
}
