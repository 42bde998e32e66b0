import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretArns } from './config';
import { redactedMessage } from './redact';
import { Credentials, parseAccessKeySecret, parseConnectionSecret, SecretError, SecretSource } from './secrets';

/**
 * How long a warm Lambda environment keeps the secrets. An SQL authentication failure
 * shows a rotated password at once, but a rotated access key only shows as failing
 * backup jobs (CockroachDB's nodes use it, not the Lambda); the age limit bounds how
 * long an old key can be used after a rotation.
 */
export const SECRET_MAX_AGE_MS = 10 * 60_000;

/**
 * Reads both secrets from Secrets Manager and keeps them for later invocations of the
 * same (warm) Lambda environment: one pair of calls per cold start or SECRET_MAX_AGE_MS,
 * plus one more pair after an authentication failure (a rotated password).
 */
export class SecretsManagerSource implements SecretSource {
  private cached?: { credentials: Credentials; fetchedAt: number };
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

  async load(refresh: boolean): Promise<{ credentials: Credentials; fresh: boolean }> {
    if (this.cached !== undefined && !refresh && this.now() - this.cached.fetchedAt < SECRET_MAX_AGE_MS) {
      return { credentials: this.cached.credentials, fresh: false };
    }
    const fetchedAt = this.now();
    const [connectionText, accessKeyText] = await Promise.all([
      this.fetch(this.arns.connectionSecretArn, 'connection secret'),
      this.fetch(this.arns.accessKeySecretArn, 'access-key secret'),
    ]);
    const credentials: Credentials = {
      connection: parseConnectionSecret(connectionText, `the connection secret ${this.arns.connectionSecretArn}`, this.requireCa),
      accessKey: parseAccessKeySecret(accessKeyText, `the access-key secret ${this.arns.accessKeySecretArn}`),
    };
    this.cached = { credentials, fetchedAt };
    return { credentials, fresh: true };
  }

  private async fetch(arn: string, what: string): Promise<string | undefined> {
    this.fetches += 1;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      return response.SecretString;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new SecretError(`cannot read the ${what} ${arn}: ${name}: ${redactedMessage(error)}`);
    }
  }
}
