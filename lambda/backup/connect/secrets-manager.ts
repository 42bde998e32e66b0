import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretArns } from './config';
import { redactedMessage } from '../report/redact';
import { ConnectionSecret, parseAccessKeySecret, parseConnectionSecret, SecretError, SecretSource } from './secrets';
import { AccessKey } from '../submit/storage';

/**
 * How long a warm Lambda environment keeps the connection secret. A rotated password
 * shows at once as an authentication failure (the procedure then fetches it again), so
 * the age limit only bounds how long an edited host or CA goes unnoticed.
 */
export const SECRET_MAX_AGE_MS = 10 * 60_000;

/**
 * Reads the two secrets from Secrets Manager:
 * - the connection secret is kept for later invocations of the same (warm) Lambda
 *   environment, for SECRET_MAX_AGE_MS or until an authentication failure;
 * - the access-key secret is read on every run (GetSecretValue gives its AWSCURRENT
 *   version), so the run after a rotation already passes the new key to CockroachDB.
 *   One call per run is the price: a DescribeSecret to compare version ids would cost
 *   the same one call (both are priced per API call), and a cache would leave a window in
 *   which a warm Lambda submits backups with a key the rotation function may retire.
 * A warm run therefore makes one Secrets Manager call, a cold start two.
 */
export class SecretsManagerSource implements SecretSource {
  private cached?: { connection: ConnectionSecret; fetchedAt: number };
  private fetches = 0;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: SecretArns,
    private readonly requireCa: boolean,
    private readonly now: () => number = Date.now,
  ) {}

  get fetchCount(): number {
    return this.fetches;
  }

  async connection(refresh: boolean): Promise<{ connection: ConnectionSecret; fresh: boolean }> {
    if (this.cached !== undefined && !refresh && this.now() - this.cached.fetchedAt < SECRET_MAX_AGE_MS) {
      return { connection: this.cached.connection, fresh: false };
    }
    const fetchedAt = this.now();
    const text = await this.fetch(this.arns.connectionSecretArn, 'connection secret');
    const connection = parseConnectionSecret(text, `the connection secret ${this.arns.connectionSecretArn}`, this.requireCa);
    this.cached = { connection, fetchedAt };
    return { connection, fresh: true };
  }

  async accessKey(): Promise<AccessKey> {
    const arn = this.arns.accessKeySecretArn;
    // parseSecretArns leaves it out only in keyless modes, where no run asks for a key.
    if (arn === undefined) throw new SecretError('no access-key secret is configured (ACCESS_KEY_SECRET_ARN): the nodes use their own identity (STORAGE_AUTH=implicit)');
    const text = await this.fetch(arn, 'access-key secret');
    return parseAccessKeySecret(text, `the access-key secret ${arn}`);
  }

  async pendingConnection(): Promise<ConnectionSecret | undefined> {
    const arn = this.arns.connectionSecretArn;
    this.fetches += 1;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }));
      return parseConnectionSecret(response.SecretString, `the AWSPENDING version of the connection secret ${arn}`, this.requireCa);
    } catch (error) {
      // No version is staged AWSPENDING: no rotation is in progress.
      if (error instanceof ResourceNotFoundException) return undefined;
      if (error instanceof SecretError) throw error;
      const name = error instanceof Error ? error.name : 'Error';
      throw new SecretError(`cannot read the AWSPENDING version of the connection secret ${arn}: ${name}: ${redactedMessage(error)}`);
    }
  }

  private async fetch(arn: string, what: string): Promise<string | undefined> {
    this.fetches += 1;
    return readSecretString(this.client, arn, what);
  }
}

/** The secret's AWSCURRENT text; a failure says which secret (`what`, `arn`) and why, redacted. */
export async function readSecretString(client: SecretsManagerClient, arn: string, what: string): Promise<string | undefined> {
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return response.SecretString;
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new SecretError(`cannot read the ${what} ${arn}: ${name}: ${redactedMessage(error)}`);
  }
}
