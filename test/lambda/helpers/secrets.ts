import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { TEST_ACCESS_KEY_ID, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from './secret-guard';

export const CONNECTION_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cockroach-connection-AbCdEf';
export const ACCESS_KEY_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cockroach-access-key-AbCdEf';

export interface ConnectionFields {
  host: string;
  port: number | string;
  username: string;
  password: string;
  dbname: string;
  ca: string;
}

export function connectionSecretText(fields: Partial<ConnectionFields> & Pick<ConnectionFields, 'host' | 'port' | 'ca'>): string {
  return JSON.stringify({ username: 'backup', password: TEST_PASSWORD, dbname: 'defaultdb', ...fields });
}

export const ACCESS_KEY_TEXT = JSON.stringify({ accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY });

/** Mocks Secrets Manager (every SecretsManagerClient) to serve the two secrets; returns the mock. */
export function mockSecrets(connectionText: string | (() => string), accessKeyText: string = ACCESS_KEY_TEXT) {
  const mock = mockClient(SecretsManagerClient);
  mock.on(GetSecretValueCommand, { SecretId: CONNECTION_ARN }).callsFake(() => ({
    SecretString: typeof connectionText === 'function' ? connectionText() : connectionText,
  }));
  mock.on(GetSecretValueCommand, { SecretId: ACCESS_KEY_ARN }).resolves({ SecretString: accessKeyText });
  return mock;
}
