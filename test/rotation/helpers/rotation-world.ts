import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RotationSettings } from '../../../lambda/rotation/config';
import { RotationSummary } from '../../../lambda/rotation/report';
import { RotationDependencies, runRotation } from '../../../lambda/rotation/run';
import { recordForSecretCheck, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from '../../lambda/helpers/secret-guard';
import { AccessKeyStatus, AccessKeyStore } from '../../support/aws/access-key-store';
import { IamDouble, IamDoubleOptions, startIamDouble } from '../../support/aws/iam-double';
import { S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { SecretsManagerDouble } from '../../support/aws/secrets-manager-double';

export const USER = 'backup-user';
export const BUCKET = 'backups';
export const COLLECTION = 'prod/cluster-1';
export const GRACE_SECONDS = 7200;
/** The function's own credentials toward the fakes (its execution role in AWS). */
export const ROLE_CREDENTIALS = { accessKeyId: 'AKIAROTATIONROLE0001', secretAccessKey: 'rotation-role-secret-0000000000000000000' };

export interface RotationWorld {
  readonly keys: AccessKeyStore;
  readonly s3: S3TestServer;
  readonly iam: IamDouble;
  readonly secrets: SecretsManagerDouble;
  readonly secretArn: string;
  readonly settings: RotationSettings;
  /** The waits testSecret asked for, in milliseconds (none is slept). */
  readonly sleeps: number[];
  /** Moves the function's clock forward (IAM's and Secrets Manager's dates stay real). */
  advance(seconds: number): void;
  /** One invocation of the function; its result or error is kept for the secret guard. */
  invoke(event: unknown): Promise<RotationSummary>;
  /** A whole rotation as Secrets Manager runs it; returns the token. */
  rotate(): Promise<string>;
  /** The key id the secret holds as `stage`. */
  keyIdAt(stage: string): string | undefined;
  /** The user's keys and their states. */
  keyStates(): Record<string, AccessKeyStatus>;
  close(): Promise<void>;
}

export interface WorldOptions extends Pick<IamDoubleOptions, 'newKeyBuckets' | 'newKeyPropagationLookups'> {
  /**
   * Secret values the test file's secret guard must look for: every secret key the fakes
   * issue is added (pass the array given to installSecretGuard).
   */
  readonly guarded: string[];
}

/**
 * The rotation function's surroundings on 127.0.0.1: the S3 server and the fake IAM sharing
 * one key store, the fake Secrets Manager, the backup user holding one key (the guard's
 * TEST_ACCESS_KEY_ID) that the access-key secret holds as AWSCURRENT.
 */
export async function startRotationWorld(options: WorldOptions): Promise<RotationWorld> {
  const keys = new AccessKeyStore();
  keys.add({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY, userName: USER, createDate: new Date(Date.now() - 60_000) });
  const s3 = await startS3Server({ credentials: [], buckets: [BUCKET], keys });
  const iam = await startIamDouble({ keys, users: [USER], newKeyBuckets: options.newKeyBuckets, newKeyPropagationLookups: options.newKeyPropagationLookups });
  const secrets = await SecretsManagerDouble.start();
  const secretArn = secrets.createSecret('backup-access-key', JSON.stringify({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY }));
  const settings: RotationSettings = {
    secretArn,
    userName: USER,
    bucketName: BUCKET,
    bucketRegion: 'us-east-1',
    collection: COLLECTION,
    s3Endpoint: s3.endpoint,
    previousKeyGraceSeconds: GRACE_SECONDS,
    metricsNamespace: 'CockroachBackup',
  };
  const sleeps: number[] = [];
  let offsetMs = 0;
  const deps: RotationDependencies = {
    settings,
    secretsManager: new SecretsManagerClient({ region: 'us-east-1', endpoint: secrets.endpoint, credentials: ROLE_CREDENTIALS, maxAttempts: 1 }),
    iam: new IAMClient({ region: 'us-east-1', endpoint: iam.endpoint, credentials: ROLE_CREDENTIALS, maxAttempts: 1 }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => new Date(Date.now() + offsetMs),
  };
  const guard = (): void => {
    for (const secret of keys.issuedSecretKeys()) if (!options.guarded.includes(secret)) options.guarded.push(secret);
  };
  guard();

  const invoke = async (event: unknown): Promise<RotationSummary> => {
    try {
      const result = await runRotation(event, deps);
      recordForSecretCheck(result);
      return result;
    } catch (error) {
      recordForSecretCheck(error);
      throw error;
    } finally {
      guard();
    }
  };

  return {
    keys,
    s3,
    iam,
    secrets,
    secretArn,
    settings,
    sleeps,
    advance(seconds: number): void {
      offsetMs += seconds * 1000;
    },
    invoke,
    rotate: () => secrets.rotate(secretArn, invoke),
    keyIdAt(stage: string): string | undefined {
      const value = secrets.valueAt(secretArn, stage);
      return value === undefined ? undefined : (JSON.parse(value) as { accessKeyId: string }).accessKeyId;
    },
    keyStates(): Record<string, AccessKeyStatus> {
      return Object.fromEntries(keys.ofUser(USER).map((k) => [k.accessKeyId, k.status]));
    },
    async close(): Promise<void> {
      guard();
      deps.secretsManager.destroy();
      deps.iam.destroy();
      await secrets.stop();
      await iam.stop();
      await s3.stop();
    },
  };
}

/** The value of a metric in the embedded-metric lines among `lines` (summed), or undefined when none carries it. */
export function metricSum(lines: readonly string[], name: string): number | undefined {
  const values = lines
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((document) => typeof document[name] === 'number')
    .map((document) => document[name] as number);
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

/** The summary lines among `lines`, parsed. */
export function summaries(lines: readonly string[]): Record<string, unknown>[] {
  return lines.filter((line) => line.includes('"summary":"access-key rotation"')).map((line) => JSON.parse(line) as Record<string, unknown>);
}
