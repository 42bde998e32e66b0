import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { RunKind } from '../../../contract/backup-event';
import { ENV } from '../../../contract/environment';
import { backupHandler } from '../../../lambda/backup/handler';
import { SimulatedClock } from '../../support/clock';
import { BackupResult } from '../../../lambda/backup/report/result';
import { CockroachDouble, CockroachDoubleOptions, CockroachVersion, DoubleUser } from '../../support/cockroach-double';
import { S3Credentials, S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { AccessKeyStore } from '../../support/aws/access-key-store';
import { DamagedFile, damageDataFile, DataFileDamage, DataFileSelection } from '../../support/storage-faults';
import { recordForSecretCheck, TEST_ACCESS_KEY_ID, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from './secret-guard';

export const BUCKET = 'backup-bucket';
export const COLLECTION = 'prod_1/cluster';
/** The Lambda's SQL user as the README tells operators to create it: only the BACKUP system privilege. */
export const BACKUP_USER: DoubleUser = { name: 'backup', password: TEST_PASSWORD, systemPrivileges: ['BACKUP'] };
/** An operator following the Lambda's instructions by hand. */
export const ROOT_USER: DoubleUser = { name: 'root', password: 'root-password', admin: true };
export const ACCESS_KEY: S3Credentials = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY };

/** What an invocation gave back: its result, or the error the handler threw. */
export interface Invocation {
  readonly result?: BackupResult;
  readonly error?: Error;
}

let arnCounter = 0;
const arn = (name: string): string => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-${++arnCounter}`;

/**
 * One deployment of the Lambda: its environment and its two secrets. Each has secret
 * ARNs of its own, so the handler's warm cache (keyed by ARN) never carries secrets
 * from one deployment (or test) to the next, while its invocations share it as a warm
 * Lambda would. `coldStart` gives the same deployment with an empty cache.
 */
export class Deployment {
  readonly connectionSecretArn = arn('connection');
  readonly accessKeySecretArn = arn('access-key');
  /** The secret texts Secrets Manager serves; a test may change them (rotation, malformed secret). */
  connectionSecret: string;
  accessKeySecret: string;

  constructor(
    readonly harness: Harness,
    readonly double: CockroachDouble,
    readonly environment: Record<string, string>,
    secrets?: { connection: string; accessKey: string },
  ) {
    this.connectionSecret = secrets?.connection ?? connectionSecretFor(double);
    this.accessKeySecret = secrets?.accessKey ?? JSON.stringify({ accessKeyId: ACCESS_KEY.accessKeyId, secretAccessKey: ACCESS_KEY.secretAccessKey });
    harness.serve(this.connectionSecretArn, () => this.connectionSecret);
    harness.serve(this.accessKeySecretArn, () => this.accessKeySecret);
  }

  setEnvironment(values: Record<string, string>): void {
    Object.assign(this.environment, values);
  }

  /** The same deployment in a new execution environment (nothing cached). */
  coldStart(): Deployment {
    return new Deployment(this.harness, this.double, this.environment, { connection: this.connectionSecret, accessKey: this.accessKeySecret });
  }

  /** Invokes the handler as the schedule would, with `remainingMs` before the Lambda timeout. */
  async invoke(kind: RunKind, remainingMs = 15_000): Promise<Invocation> {
    for (const name of Object.values(ENV)) delete process.env[name];
    Object.assign(process.env, this.environment, {
      [ENV.connectionSecretArn]: this.connectionSecretArn,
      // The construct sets no access-key secret in keyless modes.
      ...(this.environment[ENV.storageAuth] === 'implicit' ? {} : { [ENV.accessKeySecretArn]: this.accessKeySecretArn }),
    });
    const deadline = Date.now() + remainingMs;
    let invocation: Invocation;
    try {
      invocation = { result: await backupHandler(this.harness.clock.now)({ kind }, { getRemainingTimeInMillis: () => deadline - Date.now() }) };
    } catch (error) {
      invocation = { error: error as Error };
    }
    // Results are returned unredacted as a whole: the secret guard checks every one.
    recordForSecretCheck(invocation);
    recordForSecretCheck(invocation.error);
    return invocation;
  }

  /** Invokes and expects a result, not a thrown failure. */
  async run(kind: RunKind, remainingMs?: number): Promise<BackupResult> {
    const { result, error } = await this.invoke(kind, remainingMs);
    if (result === undefined) throw new Error(`expected a result, the run failed: ${error?.message}`);
    return result;
  }
}

/** The connection secret for a double, as the operator fills it in after deploy. */
export function connectionSecretFor(double: CockroachDouble, password = TEST_PASSWORD): string {
  return JSON.stringify({ host: double.host, port: double.port, username: BACKUP_USER.name, password, dbname: 'defaultdb', ca: double.caCertificate });
}

/**
 * A cluster double, an S3 server holding the bucket, Secrets Manager mocked, and a
 * deployment of the Lambda configured for them (`lambda`).
 */
export class Harness {
  private readonly secretsManager = mockClient(SecretsManagerClient);
  private readonly secrets = new Map<string, () => string>();
  private readonly ssm = mockClient(SSMClient);
  /** SSM parameters (the drills' state), as GetParameter and PutParameter see them. */
  readonly parameters = new Map<string, { value: string; lastModified: Date }>();
  private readonly savedEnv = { ...process.env };
  readonly lambda: Deployment;

  private constructor(
    readonly double: CockroachDouble,
    readonly s3: S3TestServer,
    environment: Record<string, string>,
    /** The time the Lambda and the double read: the wall clock unless a test passed a SimulatedClock. */
    readonly clock: SimulatedClock,
  ) {
    this.secretsManager.on(GetSecretValueCommand).callsFake((input: { SecretId?: string }) => {
      const text = input.SecretId === undefined ? undefined : this.secrets.get(input.SecretId);
      if (text === undefined) {
        throw Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' });
      }
      return { SecretString: text() };
    });
    this.ssm.on(GetParameterCommand).callsFake((input: { Name?: string }) => {
      const parameter = input.Name === undefined ? undefined : this.parameters.get(input.Name);
      if (parameter === undefined) throw new ParameterNotFound({ message: 'parameter not found', $metadata: {} });
      return { Parameter: { Name: input.Name, Type: 'String', Value: parameter.value, LastModifiedDate: parameter.lastModified } };
    });
    this.ssm.on(PutParameterCommand).callsFake((input: { Name?: string; Value?: string }) => {
      this.parameters.set(input.Name!, { value: input.Value!, lastModified: new Date() });
      return { Version: 2 };
    });
    this.lambda = this.deploy(double, environment);
  }

  /**
   * The S3 server stands in for AWS S3: the double sends its requests for plain s3://
   * URIs there (`awsS3Endpoint`), so the Lambda is configured as for AWS (no S3_ENDPOINT)
   * and its user needs no privilege beyond BACKUP.
   */
  static async start(
    options: {
      environment?: Record<string, string>;
      jobDurationMs?: number;
      s3Credentials?: readonly S3Credentials[];
      version?: CockroachVersion;
      databases?: CockroachDoubleOptions['databases'];
      /** Shared by the double and the Lambda, so that a test can let hours pass. */
      clock?: SimulatedClock;
      /** Keyless modes: the keys S3 shares with the fake STS, and the nodes' identity and STS. */
      keys?: AccessKeyStore;
      nodes?: Pick<CockroachDoubleOptions, 'nodeCredentials' | 'stsEndpoint'>;
      /** More buckets in the same S3 (an off-site copy's), besides the primary BUCKET. */
      extraBuckets?: readonly string[];
    } = {},
  ): Promise<Harness> {
    const clock = options.clock ?? new SimulatedClock();
    const s3 = await startS3Server({ credentials: options.s3Credentials ?? [ACCESS_KEY], buckets: [BUCKET, ...(options.extraBuckets ?? [])], keys: options.keys });
    const double = await CockroachDouble.start(
      clusterOptions(s3, { version: options.version, jobDurationMs: options.jobDurationMs ?? 30, databases: options.databases, clock: clock.now, ...options.nodes }),
    );
    return new Harness(double, s3, options.environment ?? {}, clock);
  }

  /** Another cluster of the same version writing to the same S3 (e.g. a cluster restored from a backup). */
  startCluster(options: Pick<CockroachDoubleOptions, 'clusterId'>): Promise<CockroachDouble> {
    return CockroachDouble.start(clusterOptions(this.s3, { ...options, version: this.double.version, jobDurationMs: 30, clock: this.clock.now }));
  }

  /** A deployment of the Lambda backing up `double` into the harness's collection. */
  deploy(double: CockroachDouble, environment: Record<string, string> = {}): Deployment {
    return new Deployment(this, double, {
      [ENV.bucketName]: BUCKET,
      [ENV.bucketRegion]: 'eu-west-1',
      [ENV.collection]: COLLECTION,
      [ENV.connectTimeoutMs]: '2000',
      [ENV.statementTimeoutMs]: '2000',
      ...environment,
    });
  }

  serve(secretArn: string, text: () => string): void {
    this.secrets.set(secretArn, text);
  }

  /** Makes Secrets Manager fail for a secret, as when the Lambda may not read it. */
  withhold(secretArn: string): void {
    this.secrets.delete(secretArn);
  }

  /** Creates an SSM parameter as the construct does (the drills' state before any drill). */
  createParameter(name: string, value = '{}', lastModified = new Date()): void {
    this.parameters.set(name, { value, lastModified });
  }

  /** Damages a data file of the newest chain in the bucket, as an incident would (storage-faults.ts). */
  damage(damage: DataFileDamage, selection?: DataFileSelection): Promise<DamagedFile> {
    return damageDataFile({ endpoint: this.s3.endpoint, bucket: BUCKET, prefix: COLLECTION, credentials: ACCESS_KEY }, damage, selection);
  }

  secretFetches(): number {
    return this.secretsManager.commandCalls(GetSecretValueCommand).length;
  }

  async stop(): Promise<void> {
    this.secretsManager.restore();
    this.ssm.restore();
    process.env = { ...this.savedEnv };
    await this.double.stop();
    await this.s3.stop();
  }
}

/**
 * The clusters of the tests: users as the README tells operators to create them, the S3
 * server as AWS S3, and SHOW JOB WHEN COMPLETE looking every 50 ms instead of every
 * second, so that each run does not wait for a whole second (the bench keeps CockroachDB's).
 */
function clusterOptions(s3: S3TestServer, options: CockroachDoubleOptions): CockroachDoubleOptions {
  return { ...options, users: [BACKUP_USER, ROOT_USER], awsS3Endpoint: s3.endpoint, whenCompleteIntervalMs: 50 };
}

/** The collection's URI with the harness's access key, as an operator writes it in a statement by hand. */
export function collectionUri(): string {
  return `s3://${BUCKET}/${COLLECTION}?AWS_ACCESS_KEY_ID=${ACCESS_KEY.accessKeyId}&AWS_SECRET_ACCESS_KEY=${encodeURIComponent(ACCESS_KEY.secretAccessKey)}&AWS_REGION=eu-west-1`;
}

/** Runs statements on `double` as root, as an operator does by hand; returns the last one's rows. */
export async function asRoot(double: CockroachDouble, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const client = new Client({ host: double.host, port: double.port, user: ROOT_USER.name, password: ROOT_USER.password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = (await client.query(statement)).rows;
    return rows;
  } finally {
    await client.end();
  }
}

/** Counts pg clients connected and ended in each test, to show every connection is closed. */
export function trackConnections(): { opened(): number; closed(): number } {
  let connect: jest.SpyInstance | undefined;
  let end: jest.SpyInstance | undefined;
  beforeEach(() => {
    // spyOn calls through to pg; it only counts.
    connect = jest.spyOn(Client.prototype, 'connect');
    end = jest.spyOn(Client.prototype, 'end');
  });
  return { opened: () => connect?.mock.calls.length ?? 0, closed: () => end?.mock.calls.length ?? 0 };
}
