import { Client } from 'pg';
import { Fixture, ROOT, s3Uri, sqlError, startFixture } from '../support/helpers/fixture';

/** The rejection of a promise that must fail (any error type). */
async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}

describe('fault injection', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });
  afterEach(async () => {
    await f.double.removeFaults();
  });

  test('refuse: nothing listens, connect fails with ECONNREFUSED; clearing reopens the same port', async () => {
    const port = f.double.port;
    await f.double.applyFault({ kind: 'refuse' });
    expect((await failure(f.connect(ROOT))).code).toBe('ECONNREFUSED');
    await f.double.removeFaults();
    expect(f.double.port).toBe(port);
    expect((await (await f.connect(ROOT)).query('SELECT 1')).rows).toHaveLength(1);
  });

  test('hang: TCP is accepted but never answered, so the client\'s connect timeout fires', async () => {
    f.double.injectFault({ kind: 'hang' });
    const error = await failure(f.connect(ROOT, { connectionTimeoutMillis: 300 }));
    expect(error.message).toMatch(/timeout/i);
  });

  test('drop: the connection closes without an answer when a statement matches', async () => {
    const client = await f.connect(ROOT);
    f.double.injectFault({ kind: 'drop', on: /^BACKUP/ });
    const error = await failure(client.query('BACKUP INTO $1 WITH detached', [s3Uri(f.s3.endpoint, 'dropped')]));
    expect(error.message).toMatch(/Connection terminated/);
    expect(f.double.statements.at(-1)?.text).toBe('BACKUP INTO $1 WITH detached');
    expect(f.double.jobs()).toHaveLength(0); // dropped before it ran
  });

  test('drop: statements that do not match are answered', async () => {
    const client = await f.connect(ROOT);
    f.double.injectFault({ kind: 'drop', on: /^BACKUP/ });
    expect((await client.query('SELECT 1')).rows).toHaveLength(1);
  });

  test('slow: a matching statement outlasts the client\'s query timeout', async () => {
    const client = await f.connect(ROOT, { query_timeout: 200 });
    f.double.injectFault({ kind: 'slow', delayMs: 5000, on: /crdb_internal/ });
    const error = await failure(client.query('SELECT job_id FROM crdb_internal.jobs'));
    expect(error.message).toMatch(/timeout/i);
  });

  test('slow: a statement that does not match is answered within the same timeout', async () => {
    const client = await f.connect(ROOT, { query_timeout: 2000 });
    f.double.injectFault({ kind: 'slow', delayMs: 5000, on: /crdb_internal/ });
    expect((await client.query('SELECT 1')).rows).toHaveLength(1);
  });

  test('slow: the session\'s statement_timeout cancels the statement with 57014', async () => {
    const client = await f.connect(ROOT, { statement_timeout: 100 });
    f.double.injectFault({ kind: 'slow', delayMs: 5000 });
    const error = await sqlError(client.query('SELECT 1'));
    expect(error.code).toBe('57014');
    expect(error.message).toBe('query execution canceled due to statement timeout');
  });

  test('foreign-certificate: a client pinning the double\'s CA refuses the server', async () => {
    f.double.injectFault({ kind: 'foreign-certificate' });
    const error = await failure(f.connect(ROOT));
    expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  test('foreign-certificate: a client that does not verify still connects', async () => {
    f.double.injectFault({ kind: 'foreign-certificate' });
    const client = new Client({ host: f.double.host, port: f.double.port, user: 'root', password: ROOT.password, ssl: { rejectUnauthorized: false } });
    await client.connect();
    try {
      expect((await client.query('SELECT 1')).rows).toHaveLength(1);
    } finally {
      await client.end();
    }
  });

  test('auth-failure: the right password is refused with 28P01', async () => {
    f.double.injectFault({ kind: 'auth-failure' });
    const error = await sqlError(f.connect(ROOT));
    expect(error.code).toBe('28P01');
    expect(error.message).toBe('password authentication failed for user root');
  });
});
