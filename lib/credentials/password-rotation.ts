import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ENV } from '../../contract/environment';
import { FunctionPlacement, packagedFunction } from '../functions/backup-function';
import { BACKUP_LAMBDA_ASSET_DIR, PASSWORD_ROTATION_HANDLER } from '../functions/lambda-asset';
import { checkRotationDays, describeDuration } from '../validation';
import { ROTATION_SECRET_ACTIONS } from './access-key-rotation';
import { secretRotation } from './rotation-schedule';
import { allowSecretsKeyUse, ReadableSecret, SECRETS_KEY_READ_ACTIONS, SECRETS_KEY_WRITE_ACTIONS } from './secrets-key';

/**
 * Automatic rotation of the SQL password in the connection secret (docs/password-rotation.md).
 *
 * Prerequisite, once per cluster, as an admin: `SET CLUSTER SETTING
 * sql.auth.change_own_password.enabled = true;` (off by default on every CockroachDB version;
 * it lets every SQL user change its own password and nothing else). Without it the rotation's
 * setSecret is refused and the current password stays current. Giving the backup user
 * CREATEROLE and CREATELOGIN instead would work too, but lets it change the passwords of other
 * users: the setting is the safer choice.
 */
export interface ConnectionPasswordRotation {
  /**
   * Time between two rotations: a whole number of days from 1 to 365 (Secrets Manager's
   * `AutomaticallyAfterDays`). The first rotation comes one interval after the deploy that
   * turns rotation on, or at once with `aws secretsmanager rotate-secret`.
   * @default Duration.days(30)
   */
  readonly automaticallyAfter?: Duration;
}

/** Defaults of `ConnectionPasswordRotation`. */
export const PASSWORD_ROTATION_DEFAULTS = { automaticallyAfter: Duration.days(30) } as const;

/** Validates the prop; returns the interval in days. */
export function checkPasswordRotation(scope: IConstruct, rotation: ConnectionPasswordRotation): number {
  const interval = rotation.automaticallyAfter ?? PASSWORD_ROTATION_DEFAULTS.automaticallyAfter;
  return checkRotationDays(scope, 'connectionPasswordRotation.automaticallyAfter', interval, describeDuration(interval));
}

export interface PasswordRotationWiring extends FunctionPlacement {
  readonly days: number;
  /** The connection secret (new or given, with the construct's secrets key when it encrypted it): the only secret the function reads and writes. */
  readonly secret: ReadableSecret;
  /** The backup Lambda's environment (PASSWORD_ROTATION included): the function reads its connection settings. */
  readonly environment: Record<string, string>;
  /** The backup Lambda's timeout: a step logs in at most twice and runs one statement, each bounded by the connect and statement timeouts, which are shorter. */
  readonly timeout: Duration;
}

export interface PasswordRotationParts {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly rotationSchedule: secretsmanager.CfnRotationSchedule;
}

/**
 * The automatic rotation of the connection secret's password:
 * - 'PasswordRotationFunction' (the backup bundle's `passwordRotationHandler`) with its own log
 *   group ('PasswordRotationLogGroup') and role ('PasswordRotationFunctionRole'): the four
 *   Secrets Manager calls of a rotation on the connection secret only (and its KMS key, through
 *   Secrets Manager for that secret only, when it has one: the construct's secrets key, or the
 *   key an imported ISecret knows), nothing else; reserved concurrency 1; in the backup Lambda's VPC
 *   placement, since it logs in to the cluster as the backup Lambda does.
 * - 'PasswordRotationInvokedBySecretsManager': Secrets Manager may invoke it for this secret only.
 * - 'PasswordRotationSchedule': AWS::SecretsManager::RotationSchedule on the secret (an imported
 *   one too), every `days` days. `RotateImmediatelyOnUpdate` is false: a deploy does not rotate,
 *   since the construct's own secret has no host until it is filled in and the cluster setting
 *   may not be on yet; Secrets Manager then only calls testSecret on a version of its own, which
 *   holds no new password and passes (rotation-schedule.ts).
 */
export function connectionPasswordRotation(scope: Construct, wiring: PasswordRotationWiring): PasswordRotationParts {
  const { days, secret, environment, timeout, ...placement } = wiring;
  const { fn, role, logGroup } = packagedFunction(scope, {
    ids: { logGroup: 'PasswordRotationLogGroup', role: 'PasswordRotationFunctionRole', fn: 'PasswordRotationFunction' },
    roleDescription: `Role of the password rotation function of ${scope.node.path}: the connection secret, its log group`,
    description: `Rotates the SQL password in the connection secret of ${scope.node.path}`,
    assetDir: BACKUP_LAMBDA_ASSET_DIR,
    handler: PASSWORD_ROTATION_HANDLER,
    what: 'backup Lambda',
    statements: [new iam.PolicyStatement({ sid: 'RotateConnectionSecret', actions: [...ROTATION_SECRET_ACTIONS], resources: [secret.secret.secretArn] })],
    memorySize: 256,
    timeout,
    environment: { ...environment, [ENV.passwordRotation]: 'true' },
    ...placement,
  });
  // GetSecretValue decrypts (kms:Decrypt), PutSecretValue asks for a data key (kms:GenerateDataKey), through
  // Secrets Manager for this secret only: the construct's secrets key, or the key an imported ISecret knows.
  const key = secret.ownKey ?? secret.secret.encryptionKey;
  if (key !== undefined) allowSecretsKeyUse(role, secret.secret, key, [...SECRETS_KEY_READ_ACTIONS, ...SECRETS_KEY_WRITE_ACTIONS]);

  const rotationSchedule = secretRotation(scope, {
    ids: { permission: 'PasswordRotationInvokedBySecretsManager', schedule: 'PasswordRotationSchedule' },
    fn,
    secret: secret.secret,
    days,
    rotateImmediatelyOnUpdate: false,
  });
  return { fn, role, logGroup, rotationSchedule };
}
