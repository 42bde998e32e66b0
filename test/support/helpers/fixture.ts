import { Client, DatabaseError } from 'pg';
import { CockroachDouble, CockroachDoubleOptions } from '../cockroach-double';
import { S3Credentials, S3TestServer, startS3Server } from '../aws/s3-server';

/** Keys as AWS issues them: the secret contains '/' and '+', which must be URL-encoded. */
export const KEY: S3Credentials = { accessKeyId: 'AKIADOUBLETEST000001', secretAccessKey: 'wJalr/XUtnFEMI+K7MDENG/bPxRfiCYEXAMPLEKEY' };
export const OTHER_KEY: S3Credentials = { accessKeyId: 'AKIADOUBLETEST000002', secretAccessKey: 'Zm9v/YmFy+YmF6/cXV4+EXAMPLEKEY00000000', buckets: ['other-bucket'] };
export const BUCKET = 'backups';

export const ROOT = { name: 'root', password: 'root-password', admin: true } as const;
export const OPERATOR = { name: 'operator', password: 'operator-password', systemPrivileges: ['BACKUP', 'EXTERNALCONNECTION'] } as const;
export const VIEWER = { name: 'viewer', password: 'viewer-password' } as const;

/**
 * An S3 URI with URL-encoded parameters, as the Lambda builds it, naming the endpoint
 * (an S3-compatible store: for a non-admin this needs EXTERNALIOIMPLICITACCESS).
 */
export function s3Uri(endpoint: string | undefined, prefix: string, key: S3Credentials = KEY, bucket = BUCKET, extra = ''): string {
  const params = new URLSearchParams({
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_REGION: 'us-east-1',
    ...(endpoint === undefined ? {} : { AWS_ENDPOINT: endpoint }),
  });
  return `s3://${bucket}/${prefix}?${params.toString()}${extra}`;
}

/** An S3 URI without AWS_ENDPOINT (AWS S3, which the fixture's double reaches as its awsS3Endpoint). */
export function awsS3Uri(prefix: string, key: S3Credentials = KEY, bucket = BUCKET, extra = ''): string {
  return s3Uri(undefined, prefix, key, bucket, extra);
}

export interface Fixture {
  readonly double: CockroachDouble;
  readonly s3: S3TestServer;
  /** Opens a verified TLS connection as a user (closed by `close`). */
  connect(user?: { name: string; password: string }, extra?: Partial<ConstructorParameters<typeof Client>[0] & object>): Promise<Client>;
  close(): Promise<void>;
}

export async function startFixture(options: CockroachDoubleOptions = {}): Promise<Fixture> {
  const s3 = await startS3Server({ credentials: [KEY, OTHER_KEY], buckets: [BUCKET, 'other-bucket'] });
  const double = await CockroachDouble.start({ users: [ROOT, OPERATOR, VIEWER], awsS3Endpoint: s3.endpoint, ...options });
  const clients: Client[] = [];
  return {
    double,
    s3,
    async connect(user = ROOT, extra = {}): Promise<Client> {
      const client = new Client({
        host: double.host,
        port: double.port,
        user: user.name,
        password: user.password,
        database: 'defaultdb',
        ssl: { ca: double.caCertificate, rejectUnauthorized: true },
        ...extra,
      });
      client.on('error', () => undefined);
      clients.push(client);
      await client.connect();
      return client;
    },
    async close(): Promise<void> {
      await Promise.allSettled(clients.map((c) => c.end()));
      await double.stop();
      await s3.stop();
    },
  };
}

/** The error a pg promise rejects with, for asserting its SQLSTATE and text. */
export async function sqlError(promise: Promise<unknown>): Promise<DatabaseError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DatabaseError) return error;
    throw error;
  }
  throw new Error('expected the statement to fail');
}

export interface JobRow {
  readonly job_id: string;
  readonly status: string;
  readonly description: string;
  readonly error: string;
}

/** One job as crdb_internal.jobs shows it. */
export async function jobRow(client: Client, jobId: string): Promise<JobRow> {
  const result = await client.query<JobRow>('SELECT job_id, status, description, error FROM crdb_internal.jobs WHERE job_id = $1', [jobId]);
  if (result.rows.length !== 1) throw new Error(`job ${jobId} not found`);
  return result.rows[0];
}

/** Submits a detached backup and returns its job id (a string). */
export async function submit(client: Client, statement: string, params: unknown[] = []): Promise<string> {
  const result = await client.query<{ job_id: string }>(statement, params);
  return result.rows[0].job_id;
}
