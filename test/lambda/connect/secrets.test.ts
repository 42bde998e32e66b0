import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseAccessKeySecret, parseConnectionSecret } from '../../../lambda/backup/connect/secrets';
import { SECRET_MAX_AGE_MS, SecretsManagerSource } from '../../../lambda/backup/connect/secrets-manager';
import { ACCESS_KEY_ARN, CONNECTION_ARN, connectionSecretText, mockSecrets } from '../helpers/secrets';
import { ROTATED_ACCESS_KEY as ROTATED_KEY, TEST_ACCESS_KEY } from '../helpers/fixtures';
import { installSecretGuard, TEST_PASSWORD } from '../helpers/secret-guard';

const guard = installSecretGuard();

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const arns = { connectionSecretArn: CONNECTION_ARN, accessKeySecretArn: ACCESS_KEY_ARN };

function expectError(fn: () => unknown, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  guard.inspect(caught);
  expect(caught).toBeInstanceOf(Error);
  expect((caught as Error).message).toMatch(message);
}

describe('parseConnectionSecret', () => {
  test('reads every field; a numeric string port is accepted', () => {
    expect(parseConnectionSecret(connectionSecretText({ host: 'db', port: '26257', ca: CA }), 'secret', true)).toEqual({
      host: 'db',
      port: 26257,
      username: 'backup',
      password: TEST_PASSWORD,
      dbname: 'defaultdb',
      ca: CA,
    });
  });

  test('fails if the host is empty, saying to fill in the secret after deploy', () => {
    expectError(() => parseConnectionSecret(connectionSecretText({ host: '', port: 26257, ca: CA }), 'the connection secret X', true), 'the connection secret X has an empty or non-string field "host" (fill in host, port, username, password, dbname and ca in the connection secret after deploy)');
  });

  test('fails if the password is missing, naming the field', () => {
    const text = JSON.stringify({ host: 'db', port: 26257, username: 'u', dbname: 'd', ca: CA });
    expectError(() => parseConnectionSecret(text, 'secret', true), 'secret has no field "password"');
  });

  test('fails if the CA is not a PEM certificate, without quoting it', () => {
    expectError(() => parseConnectionSecret(connectionSecretText({ host: 'db', port: 26257, ca: 'not-a-pem' }), 'secret', true), /field "ca" that is not a PEM certificate/);
  });

  test('accepts a missing CA when TLS verification is off', () => {
    expect(parseConnectionSecret(connectionSecretText({ host: 'db', port: 26257, ca: '' }), 'secret', false).ca).toBe('');
  });

  test('fails if the port is not a port', () => {
    expectError(() => parseConnectionSecret(connectionSecretText({ host: 'db', port: 'x', ca: CA }), 'secret', true), 'secret has an invalid field "port": expected a TCP port such as 26257');
  });

  test('fails if the secret is not JSON, without quoting its text', () => {
    expectError(() => parseConnectionSecret(`password=${TEST_PASSWORD}`, 'secret', true), 'secret is not valid JSON: expected a JSON object');
  });
});

describe('parseAccessKeySecret', () => {
  test('fails if the secret access key is empty, naming the field', () => {
    expectError(() => parseAccessKeySecret('{"accessKeyId":"AKIA","secretAccessKey":""}', 'the access-key secret'), 'the access-key secret has an empty or non-string field "secretAccessKey"');
  });
});

describe('SecretsManagerSource', () => {
  const connection = connectionSecretText({ host: 'db', port: 26257, ca: CA });
  const source = (now?: () => number) => new SecretsManagerSource(new SecretsManagerClient({ region: 'eu-west-1' }), arns, true, now);

  test('fetches the connection secret once and serves later reads from its cache', async () => {
    const mock = mockSecrets(connection);
    const secrets = source();
    const first = await secrets.connection(false);
    const second = await secrets.connection(false);
    expect([first.fresh, second.fresh]).toEqual([true, false]);
    expect(second.connection).toBe(first.connection);
    expect(secrets.fetchCount).toBe(1);
    expect(mock.commandCalls(GetSecretValueCommand, { SecretId: CONNECTION_ARN })).toHaveLength(1);
    mock.restore();
  });

  test('fetches the connection secret again once it is older than SECRET_MAX_AGE_MS', async () => {
    const mock = mockSecrets(connection);
    let now = 1_000_000;
    const secrets = source(() => now);
    await secrets.connection(false);
    now += SECRET_MAX_AGE_MS - 1;
    expect((await secrets.connection(false)).fresh).toBe(false);
    now += 1;
    expect((await secrets.connection(false)).fresh).toBe(true);
    expect(secrets.fetchCount).toBe(2);
    mock.restore();
  });

  test('fetches the connection secret again when asked to refresh', async () => {
    const mock = mockSecrets(connection);
    const secrets = source();
    await secrets.connection(false);
    expect((await secrets.connection(true)).fresh).toBe(true);
    expect(secrets.fetchCount).toBe(2);
    mock.restore();
  });

  test('reads the access key on every call, so the call after a rotation gets the new AWSCURRENT version', async () => {
    // Secrets Manager with versions: GetSecretValue without a VersionStage answers AWSCURRENT.
    const versions = [
      { id: 'v1', text: JSON.stringify(TEST_ACCESS_KEY) },
      { id: 'v2', text: JSON.stringify(ROTATED_KEY) },
    ];
    let current = versions[0];
    const mock = mockSecrets(connection);
    mock.on(GetSecretValueCommand, { SecretId: ACCESS_KEY_ARN }).callsFake((input: { VersionStage?: string }) => {
      expect(input.VersionStage ?? 'AWSCURRENT').toBe('AWSCURRENT');
      return { VersionId: current.id, SecretString: current.text };
    });
    const secrets = source();
    expect((await secrets.accessKey()).accessKeyId).toBe(TEST_ACCESS_KEY.accessKeyId);
    current = versions[1];
    expect((await secrets.accessKey()).accessKeyId).toBe(ROTATED_KEY.accessKeyId);
    expect(mock.commandCalls(GetSecretValueCommand, { SecretId: ACCESS_KEY_ARN })).toHaveLength(2);
    mock.restore();
  });

  test('fails with the secret ARN and the service error when Secrets Manager refuses', async () => {
    const mock = mockSecrets(connection);
    const denied = Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' });
    mock.rejects(denied);
    const error = await source().connection(false).catch((e: unknown) => e);
    guard.inspect(error);
    expect((error as Error).message).toMatch(`cannot read the connection secret ${CONNECTION_ARN}: AccessDeniedException: User is not authorized`);
    mock.restore();
  });
});
