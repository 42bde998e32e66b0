import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { handler } from '../../lambda/backup/handler';
import { testEnvironment } from './helpers/fixtures';
import { ACCESS_KEY_ARN, CONNECTION_ARN, connectionSecretText, mockSecrets } from './helpers/secrets';
import { installSecretGuard, TEST_PASSWORD } from './helpers/secret-guard';

const guard = installSecretGuard();

/**
 * The handler's own behaviour, where no cluster is needed: configuration checked before
 * anything else, and failures before connecting logged, counted and thrown. The runs
 * against the cluster double are in test/lambda/integration.
 */
const context = { getRemainingTimeInMillis: () => 10_000 };
const savedEnv = { ...process.env };

beforeEach(() => {
  Object.assign(process.env, testEnvironment({ CONNECTION_SECRET_ARN: CONNECTION_ARN, ACCESS_KEY_SECRET_ARN: ACCESS_KEY_ARN }));
});

afterEach(() => {
  process.env = { ...savedEnv };
});

async function failure(event: unknown): Promise<Error> {
  const error = await handler(event as never, context).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  guard.inspect(error);
  return error!;
}

function summary(): Record<string, unknown> {
  const line = guard.lines.find((l) => l.includes('"backup run"'));
  expect(line).toBeDefined();
  return JSON.parse(line!);
}

describe('handler', () => {
  test('fails fast on invalid configuration, naming the variable, before reading any secret', async () => {
    process.env.REVISION_HISTORY = 'maybe';
    const mock = mockSecrets('{}');
    const error = await failure({ kind: 'full' });
    expect(error.message).toBe("REVISION_HISTORY is 'maybe': expected 'true' or 'false'");
    expect(summary()).toMatchObject({ level: 'ERROR', action: 'failed', message: error.message });
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    mock.restore();
  });

  test('fails fast on an invalid event', async () => {
    const error = await failure({ kind: 'weekly' });
    expect(error.message).toMatch(/^the event's kind is "weekly"/);
  });

  test('logs, counts and throws a failure to read the secrets, connecting to nothing', async () => {
    const mock = mockSecrets('not json');
    const connect = jest.spyOn(Client.prototype, 'connect');
    const error = await failure({ kind: 'incremental' });
    expect(error.message).toBe(`the connection secret ${CONNECTION_ARN} is not valid JSON: expected a JSON object`);
    expect(summary()).toMatchObject({ action: 'failed', kind: 'incremental', stats: { sqlRoundTrips: 0, secretFetches: 2 } });
    const metrics = guard.lines.map((l) => JSON.parse(l)).find((l) => l._aws !== undefined);
    expect(metrics).toMatchObject({ BackupFailed: 1, BackupSubmitted: 0 });
    expect(connect).not.toHaveBeenCalled();
    mock.restore();
  });

  test('says the connection secret must be filled in after deploy when its host is empty', async () => {
    const mock = mockSecrets(connectionSecretText({ host: '', port: 26257, ca: '' }));
    const error = await failure({ kind: 'incremental' });
    expect(error.message).toContain('has an empty or non-string field "host" (fill in host, port, username, password, dbname and ca in the connection secret after deploy)');
    expect(error.message).not.toContain(TEST_PASSWORD);
    mock.restore();
  });
});
