import { BACKUP_USER, connectionSecretFor, Harness, trackConnections } from '../helpers/harness';
import { installSecretGuard, TEST_PASSWORD } from '../helpers/secret-guard';
import { LIFECYCLE_VERSIONS } from '../helpers/versions';
import { CockroachVersion } from '../../support/cockroach-double';

const guard = installSecretGuard();
const connections = trackConnections();

let harness: Harness;

function withHarness(version?: CockroachVersion): void {
  beforeEach(async () => {
    harness = await Harness.start({ version });
  });
  afterEach(async () => {
    await harness.stop();
  });
}

/** Runs once and returns what the handler threw; checks that it took no backup. */
async function failure(kind: 'full' | 'incremental' = 'incremental'): Promise<Error> {
  const { result, error } = await harness.lambda.invoke(kind);
  if (error === undefined) throw new Error(`expected the run to fail, it gave ${JSON.stringify(result)}`);
  guard.inspect(error);
  const summary = JSON.parse(guard.lines.filter((l) => l.includes('"summary":"backup run"')).pop()!);
  expect(summary).toMatchObject({ level: 'ERROR', action: 'failed', message: error.message });
  return error;
}

function expectEveryConnectionClosed(): void {
  expect(connections.closed()).toBeGreaterThanOrEqual(connections.opened());
}

describe.each(LIFECYCLE_VERSIONS)('on CockroachDB %s, a run refused a privilege says which GRANT fixes it', (version) => {
  withHarness(version);

  test('fails if the user lacks the BACKUP privilege, saying GRANT SYSTEM BACKUP', async () => {
    harness.double.revoke('backup', 'BACKUP');
    const error = await failure('full');
    expect(error.message).toMatch(/^the full backup statement was refused: user backup lacks a privilege \(.*\); run GRANT SYSTEM BACKUP TO backup$/);
    expectEveryConnectionClosed();
  });
});

describe('a run that cannot back up says why, precisely, and closes its connection', () => {
  withHarness();
  test('fails if the cluster refuses connections, naming host and port', async () => {
    await harness.double.applyFault({ kind: 'refuse' });
    const error = await failure();
    expect(error.message).toBe(`cannot connect to the cluster at 127.0.0.1:${harness.double.port}: connection refused (nothing listens on that port, or a firewall rejects it)`);
    expectEveryConnectionClosed();
  });

  test('fails if the cluster accepts but never answers, within the connect timeout', async () => {
    harness.double.injectFault({ kind: 'hang' });
    const error = await failure();
    expect(error.message).toMatch(new RegExp(`^cannot connect to the cluster at 127\\.0\\.0\\.1:${harness.double.port}: timed out after 2000 ms`));
    expectEveryConnectionClosed();
  });

  test('fails if the connection drops during the backup statement, leaving the outcome to the next run', async () => {
    await harness.lambda.run('full');
    harness.double.injectFault({ kind: 'drop', on: /^BACKUP/ });
    const error = await failure();
    expect(error.message).toMatch(/^the incremental backup statement failed: the connection to the cluster was lost .*the next run reads the job table$/);
    expectEveryConnectionClosed();
  });

  test('fails if a query is slower than the statement timeout', async () => {
    harness.double.injectFault({ kind: 'slow', delayMs: 5000, on: /^SHOW JOBS/ });
    const error = await failure();
    expect(error.message).toMatch(/^reading the backup jobs \(SHOW JOBS\) did not complete within 2000 ms \(statement timeout\)$/);
    expectEveryConnectionClosed();
  });

  test('fails if the server certificate does not verify against the CA in the secret', async () => {
    harness.double.injectFault({ kind: 'foreign-certificate' });
    const error = await failure();
    expect(error.message).toMatch(/: TLS verification failed \([A-Z_]+\): the server certificate does not match the CA in the connection secret/);
    expectEveryConnectionClosed();
  });

  test('fails if the password is wrong even after fetching the secret again once', async () => {
    await harness.lambda.run('full');
    harness.double.addUser({ ...BACKUP_USER, password: `${TEST_PASSWORD}-rotated` });
    const fetchesBefore = harness.secretFetches();
    const error = await failure();
    expect(error.message).toMatch(/^cannot connect to the cluster at 127\.0\.0\.1:\d+: authentication of user backup failed \(28P01/);
    expect(harness.secretFetches() - fetchesBefore).toBe(2);
    expectEveryConnectionClosed();
  });

  test('succeeds after a password rotation by fetching the secret again once', async () => {
    await harness.lambda.run('full');
    const rotated = `${TEST_PASSWORD}-rotated`;
    harness.double.addUser({ ...BACKUP_USER, password: rotated });
    harness.lambda.connectionSecret = connectionSecretFor(harness.double, rotated);
    const result = await harness.lambda.run('incremental');
    guard.inspect(result);
    expect(result).toMatchObject({ action: 'submitted', status: 'succeeded', stats: { secretFetches: 2 } });
  });

  test('fails if Secrets Manager cannot give the access-key secret', async () => {
    harness.withhold(harness.lambda.accessKeySecretArn);
    const error = await failure();
    expect(error.message).toBe(`cannot read the access-key secret ${harness.lambda.accessKeySecretArn}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`);
    expect(connections.opened()).toBe(0);
  });

  test('fails if the connection secret was never filled in after deploy', async () => {
    harness.lambda.connectionSecret = JSON.stringify({ host: '', port: 26257, username: 'backup', password: TEST_PASSWORD, dbname: 'defaultdb', ca: '' });
    const error = await failure();
    expect(error.message).toMatch(/ has an empty or non-string field "host" \(fill in host, port, username, password, dbname and ca in the connection secret after deploy\)$/);
    expect(connections.opened()).toBe(0);
  });

  test('fails if the access-key secret lacks the secret key', async () => {
    harness.lambda.accessKeySecret = JSON.stringify({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' });
    const error = await failure();
    expect(error.message).toMatch(/ has no field "secretAccessKey"$/);
  });

  test('fails within the time budget when the Lambda has little time left', async () => {
    harness.double.injectFault({ kind: 'hang' });
    const { error } = await harness.lambda.invoke('incremental', 4000);
    guard.inspect(error);
    // 4000 ms remaining minus the handler's safety margin leaves at most 1000 ms to connect.
    const timeoutMs = Number(/timed out after (\d+) ms/.exec(error?.message ?? '')?.[1]);
    expect(timeoutMs).toBeGreaterThan(0);
    expect(timeoutMs).toBeLessThanOrEqual(1000);
    expectEveryConnectionClosed();
  });
});
