import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, IConstruct } from 'constructs';
import { ENV } from '../../contract/environment';
import { ROTATION_ENV } from '../../contract/rotation';
import { FunctionPlacement, packagedFunction } from '../functions/backup-function';
import { runSchedule, schedulerRole } from '../functions/backup-schedules';
import { ROTATION_LAMBDA_ASSET_DIR, ROTATION_LAMBDA_HANDLER } from '../functions/lambda-asset';
import { checkDurationSeconds, checkRotationDays, describeDuration, invalid } from '../validation';
import { secretRotation } from './rotation-schedule';
import { allowSecretsKeyUse, SECRETS_KEY_READ_ACTIONS, SECRETS_KEY_WRITE_ACTIONS } from './secrets-key';

/**
 * How the backup user's access key is rotated: automatically through Secrets Manager's
 * rotation protocol (`AccessKeyRotation.every(interval)`, the default every 90 days), or
 * not at all (`AccessKeyRotation.disabled()`, then only by `accessKeySerial`).
 */
export class AccessKeyRotation {
  /**
   * Rotate automatically every `interval`: a whole number of days from 1 to 365 (Secrets
   * Manager's `AutomaticallyAfterDays`), longer than `previousKeyGracePeriod`.
   */
  public static every(interval: Duration): AccessKeyRotation {
    return new AccessKeyRotation(interval);
  }

  /** No automatic rotation: no rotation function, and the access key changes only with `accessKeySerial`. */
  public static disabled(): AccessKeyRotation {
    return new AccessKeyRotation(undefined);
  }

  /** @param interval time between two rotations; undefined when rotation is disabled */
  private constructor(public readonly interval: Duration | undefined) {}
}

/** Defaults of the rotation props. */
export const ROTATION_DEFAULTS = {
  accessKeyRotation: AccessKeyRotation.every(Duration.days(90)),
  previousKeyGracePeriod: Duration.days(1),
} as const;

/**
 * The grace period's bounds, as the rotation function accepts them (lambda/rotation/config.ts).
 * The minimum, 1 hour, exceeds the longest backup Lambda timeout (15 minutes, the Lambda
 * quota): a job the Lambda submitted and watched until its timeout is always covered.
 */
const GRACE = { min: Duration.hours(1), max: Duration.days(90) } as const;

/**
 * How long one invocation of the rotation function may take: testSecret retries its signed
 * S3 request for up to 31 s while IAM makes a new key usable (lambda/rotation/README.md), and
 * each step makes a few IAM and Secrets Manager calls.
 */
const ROTATION_FUNCTION_TIMEOUT = Duration.minutes(2);

export interface RotationSettings {
  readonly rotation: AccessKeyRotation;
  /** As given: undefined for the default. */
  readonly previousKeyGracePeriod?: Duration;
}

/**
 * Validates the rotation props: an interval of whole days from 1 to 365; a grace period
 * (only with rotation) from 1 hour to 90 days (the rotation function's bounds, the minimum
 * longer than any backup Lambda timeout) and shorter than the interval (the next rotation needs the room the previous key leaves: IAM allows a
 * user two keys, and createSecret deletes a previous key only once its grace period is
 * over). Returns the interval in days and the grace period, or undefined when rotation is disabled.
 */
export function checkRotationSettings(scope: IConstruct, settings: RotationSettings): { days: number; grace: Duration } | undefined {
  const interval = settings.rotation.interval;
  if (interval === undefined) {
    if (settings.previousKeyGracePeriod !== undefined) {
      invalid(scope, 'previousKeyGracePeriod', describeDuration(settings.previousKeyGracePeriod), 'to be set only with accessKeyRotation enabled');
    }
    return undefined;
  }
  const grace = settings.previousKeyGracePeriod ?? ROTATION_DEFAULTS.previousKeyGracePeriod;
  const graceSeconds = checkDurationSeconds(scope, 'previousKeyGracePeriod', grace, GRACE.min, GRACE.max);
  const days = checkRotationDays(scope, 'accessKeyRotation', interval, `every ${describeDuration(interval)}`);
  if (graceSeconds !== undefined && graceSeconds >= interval.toSeconds()) {
    invalid(
      scope,
      'previousKeyGracePeriod',
      describeDuration(grace),
      `shorter than the rotation interval (${interval.toHumanString()}): IAM allows the user two keys, so the next rotation needs the previous key retired`,
    );
  }
  return { days, grace };
}

export interface RotationWiring extends FunctionPlacement {
  readonly days: number;
  readonly previousKeyGracePeriod: Duration;
  readonly user: iam.User;
  readonly secret: secretsmanager.Secret;
  /** The secrets key the secret is encrypted with; undefined: the AWS managed key. */
  readonly secretsKey?: kms.IKey;
  /** Bucket name, region and collection: testSecret's signed request, and the metrics' dimension. */
  readonly bucketName: string;
  readonly bucketRegion: string;
  readonly collection: string;
  readonly metricsNamespace: string;
}

export interface RotationParts {
  readonly fn: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly rotationSchedule: secretsmanager.CfnRotationSchedule;
  readonly retirementSchedule: scheduler.Schedule;
}

/** The exact IAM calls of the rotation function on the backup user (lambda/rotation/handler.ts). */
export const ROTATION_IAM_ACTIONS = ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey'] as const;

/**
 * Its exact Secrets Manager calls on the access-key secret (lambda/rotation/handler.ts: no
 * ListSecretVersionIds, GetSecretValue's answer carries the version's creation time; no
 * GetRandomPassword, IAM makes the key). With the AWS managed key no KMS grant is needed (its key
 * policy admits the account's principals through Secrets Manager); with `secretsEncryptionKey` the
 * role gets kms:Decrypt and kms:GenerateDataKey on it for this secret only (lib/credentials/secrets-key.ts).
 */
export const ROTATION_SECRET_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
] as const;

/**
 * The automatic rotation of the access key:
 * - 'RotationFunction' (lambda/rotation/, bundled with the package) with its own log group
 *   ('RotationLogGroup', the backup Lambda's retention and key) and role
 *   ('RotationFunctionRole'): it may manage the keys of the backup user only and write the
 *   access-key secret only; no S3 permission (testSecret signs with the new key, testing
 *   the backup user's own permissions). Reserved concurrency 1: a rotation step and a
 *   retirement never run at once. In the backup Lambda's VPC when there is one (its
 *   subnets then need a route to IAM, Secrets Manager and S3: a NAT gateway or endpoints).
 * - Secrets Manager may invoke it for this secret only ('InvokedBySecretsManager', rotation-schedule.ts).
 * - 'AccessKeyRotationSchedule': AWS::SecretsManager::RotationSchedule, every `days` days.
 *   `RotateImmediatelyOnUpdate` is true: turning rotation on (or changing the interval)
 *   rotates at once, through the four steps the tests exercise, so the long-lived key of a
 *   stack that had no rotation becomes the previous key and is retired after the grace
 *   period. With false, Secrets Manager would run testSecret alone on a temporary pending
 *   version whose content the RotateSecret API reference does not describe; a testSecret
 *   that finds no key there would fail the deploy.
 * - 'RetirePreviousKeySchedule': once a day `{"action":"retire-previous-key"}` through its
 *   own Scheduler role ('RotationScheduleRole', which may invoke only this function):
 *   keys that are no longer current are deactivated once their grace period is over, and
 *   deleted by the next day's run.
 */
export function accessKeyRotation(scope: Construct, wiring: RotationWiring): RotationParts {
  // No automatic retry of an invocation (packagedFunction): Secrets Manager retries a failed
  // step itself, and a failed retirement is repeated by the next day's run.
  const { fn, role, logGroup } = packagedFunction(scope, {
    ids: { logGroup: 'RotationLogGroup', role: 'RotationFunctionRole', fn: 'RotationFunction' },
    roleDescription: `Role of the access-key rotation function of ${scope.node.path}: the backup user's keys, the access-key secret, its log group`,
    description: `Rotates the access key of the backup user of ${scope.node.path} and retires previous keys`,
    assetDir: ROTATION_LAMBDA_ASSET_DIR,
    handler: ROTATION_LAMBDA_HANDLER,
    what: 'access-key rotation function',
    statements: [
      new iam.PolicyStatement({ sid: 'ManageBackupUserKeys', actions: [...ROTATION_IAM_ACTIONS], resources: [wiring.user.userArn] }),
      new iam.PolicyStatement({ sid: 'RotateAccessKeySecret', actions: [...ROTATION_SECRET_ACTIONS], resources: [wiring.secret.secretArn] }),
    ],
    memorySize: 256,
    timeout: ROTATION_FUNCTION_TIMEOUT,
    environment: {
      [ENV.accessKeySecretArn]: wiring.secret.secretArn,
      [ROTATION_ENV.userName]: wiring.user.userName,
      [ROTATION_ENV.bucketName]: wiring.bucketName,
      [ROTATION_ENV.bucketRegion]: wiring.bucketRegion,
      [ROTATION_ENV.collection]: wiring.collection,
      [ROTATION_ENV.s3Endpoint]: '',
      [ROTATION_ENV.previousKeyGraceSeconds]: String(wiring.previousKeyGracePeriod.toSeconds()),
      [ROTATION_ENV.metricsNamespace]: wiring.metricsNamespace,
    },
    runtime: wiring.runtime,
    logRetention: wiring.logRetention,
    logEncryptionKey: wiring.logEncryptionKey,
    vpc: wiring.vpc,
    vpcSubnets: wiring.vpcSubnets,
    securityGroups: wiring.securityGroups,
  });

  // GetSecretValue decrypts (kms:Decrypt), PutSecretValue asks for a data key (kms:GenerateDataKey).
  if (wiring.secretsKey !== undefined) allowSecretsKeyUse(role, wiring.secret, wiring.secretsKey, [...SECRETS_KEY_READ_ACTIONS, ...SECRETS_KEY_WRITE_ACTIONS]);

  const rotationSchedule = secretRotation(scope, {
    ids: { permission: 'InvokedBySecretsManager', schedule: 'AccessKeyRotationSchedule' },
    fn,
    secret: wiring.secret,
    days: wiring.days,
    rotateImmediatelyOnUpdate: true,
  });

  const retirementSchedule = runSchedule(scope, 'RetirePreviousKeySchedule', {
    fn,
    role: schedulerRole(scope, 'RotationScheduleRole', fn, 'access-key rotation function'),
    event: { action: 'retire-previous-key' },
    description: `Retires access keys of the backup user of ${scope.node.path} that are past their grace period`,
    expression: scheduler.ScheduleExpression.rate(Duration.days(1)),
    interval: Duration.days(1),
  });
  return { fn, role, logGroup, rotationSchedule, retirementSchedule };
}
