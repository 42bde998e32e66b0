import { ENV } from '../../contract/environment';
import { DEFAULT_METRICS_NAMESPACE } from '../../contract/metrics';
import { ROTATION_ENV } from '../../contract/rotation';
import { ConfigurationError, Environment } from '../backup/connect/config';

/** What the rotation function needs besides its event, read from the environment the construct sets. */
export interface RotationSettings {
  /** The access-key secret: the only secret the function rotates, and the one a retirement reads. */
  readonly secretArn: string;
  /** The IAM user whose keys the function manages. */
  readonly userName: string;
  readonly bucketName: string;
  readonly bucketRegion: string;
  readonly collection: string;
  /** S3-compatible endpoint for testSecret (tests); undefined: AWS S3. */
  readonly s3Endpoint?: string;
  /** How long a previous key stays active after the new one became current. */
  readonly previousKeyGraceSeconds: number;
  readonly metricsNamespace: string;
}

/** The grace period's bounds: at least an hour (a job carrying the old key may still run), at most 90 days. */
const GRACE_SECONDS = { min: 3600, max: 90 * 86400 } as const;

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

function required(env: Environment, name: string, expected: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') throw new ConfigurationError(`${name} is not set: expected ${expected}`);
  return value;
}

/**
 * Reads and validates the settings; errors name the variable and what it expects. The
 * secret's ARN is the backup Lambda's ACCESS_KEY_SECRET_ARN (contract/environment.ts): the
 * retirement event carries no secret id, and a step event must name this very secret.
 */
export function parseRotationSettings(env: Environment): RotationSettings {
  const secretArn = required(env, ENV.accessKeySecretArn, 'the ARN of the access-key secret');
  if (!SECRET_ARN.test(secretArn)) throw new ConfigurationError(`${ENV.accessKeySecretArn} is '${secretArn}': expected the ARN of the access-key secret`);
  const graceText = required(env, ROTATION_ENV.previousKeyGraceSeconds, `whole seconds from ${GRACE_SECONDS.min} to ${GRACE_SECONDS.max}`);
  const grace = /^\d+$/.test(graceText) ? Number(graceText) : NaN;
  if (!Number.isSafeInteger(grace) || grace < GRACE_SECONDS.min || grace > GRACE_SECONDS.max) {
    throw new ConfigurationError(`${ROTATION_ENV.previousKeyGraceSeconds} is '${graceText}': expected whole seconds from ${GRACE_SECONDS.min} to ${GRACE_SECONDS.max}`);
  }
  const s3Endpoint = env[ROTATION_ENV.s3Endpoint]?.trim();
  return {
    secretArn,
    userName: required(env, ROTATION_ENV.userName, 'the name of the backup IAM user'),
    bucketName: required(env, ROTATION_ENV.bucketName, 'the backup bucket name'),
    bucketRegion: required(env, ROTATION_ENV.bucketRegion, "the backup bucket's region"),
    collection: required(env, ROTATION_ENV.collection, 'the collection prefix'),
    s3Endpoint: s3Endpoint === undefined || s3Endpoint === '' ? undefined : s3Endpoint,
    previousKeyGraceSeconds: grace,
    metricsNamespace: env[ROTATION_ENV.metricsNamespace]?.trim() || DEFAULT_METRICS_NAMESPACE,
  };
}
