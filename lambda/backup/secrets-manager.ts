import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretArns } from './config';
import { redactedMessage } from './redact';
import { Credentials, parseAccessKeySecret, parseConnectionSecret, SecretError, SecretSource } from './secrets';

/**
 * Reads both secrets from Secrets Manager and keeps them for later invocations of the
 * same (warm) Lambda environment: one pair of calls per cold start, plus one more pair
 * after an authentication failure (a rotated password).
 */
export class SecretsManagerSource implements SecretSource {
  private cached?: Credentials;
  private fetches = 0;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: SecretArns,
    private readonly requireCa: boolean,
  ) {}

  get fetchCount(): number {
    return this.fetches;
  }

  async load(refresh: boolean): Promise<{ credentials: Credentials; fresh: boolean }> {
    if (this.cached !== undefined && !refresh) return { credentials: this.cached, fresh: false };
    const [connectionText, accessKeyText] = await Promise.all([
      this.fetch(this.arns.connectionSecretArn, 'connection secret'),
      this.fetch(this.arns.accessKeySecretArn, 'access-key secret'),
    ]);
    const credentials: Credentials = {
      connection: parseConnectionSecret(connectionText, `the connection secret ${this.arns.connectionSecretArn}`, this.requireCa),
      accessKey: parseAccessKeySecret(accessKeyText, `the access-key secret ${this.arns.accessKeySecretArn}`),
    };
    this.cached = credentials;
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
