import { Client } from 'pg';
import { Fixture, ROOT, VIEWER, sqlError, startFixture } from '../support/helpers/fixture';

describe('the double speaks the PostgreSQL protocol like a secure CockroachDB node', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  test('accepts a TLS connection verified against its CA and a SCRAM-SHA-256 login', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query('SELECT 1');
    expect(result.rows).toEqual([{ '?column?': '1' }]);
  });

  test('rejects a wrong password with 28P01 and CockroachDB\'s message', async () => {
    const error = await sqlError(f.connect({ name: 'root', password: 'not-the-password' }));
    expect(error.code).toBe('28P01');
    expect(error.message).toBe('password authentication failed for user root');
  });

  test('rejects an unknown user with the same message as a wrong password', async () => {
    const error = await sqlError(f.connect({ name: 'nobody', password: 'x' }));
    expect(error.code).toBe('28P01');
    expect(error.message).toBe('password authentication failed for user nobody');
  });

  test('refuses a connection without TLS', async () => {
    const client = new Client({ host: f.double.host, port: f.double.port, user: 'root', password: ROOT.password, ssl: false });
    client.on('error', () => undefined);
    const error = await sqlError(client.connect());
    expect(error.message).toBe('node is running secure mode, SSL connection required');
    await client.end().catch(() => undefined);
  });

  test('takes session variables from the startup message and reports them with SHOW', async () => {
    const client = await f.connect(ROOT, { statement_timeout: 12345, application_name: 'backup-test' });
    expect((await client.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '12345' }]);
    expect((await client.query('SHOW application_name')).rows).toEqual([{ application_name: 'backup-test' }]);
  });

  test('takes session variables from the startup options parameter (-c name=value)', async () => {
    const client = await f.connect(ROOT, { options: '-c statement_timeout=5s' });
    expect((await client.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '5s' }]);
  });

  test('accepts SET of a session variable', async () => {
    const client = await f.connect(ROOT);
    await client.query("SET application_name = 'changed'");
    expect((await client.query('SHOW application_name')).rows[0].application_name).toBe('changed');
  });

  test('answers a statement it does not know with a 42601 syntax error', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('DELETE FROM system.jobs'));
    expect(error.code).toBe('42601');
    expect(error.message).toBe('at or near "delete": syntax error');
  });

  test('reports a syntax error at the end of an incomplete statement as "EOF"', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('SHOW JOB'));
    expect(error.message).toBe('at or near "EOF": syntax error');
  });

  test('runs several statements of one simple-protocol query in order', async () => {
    const client = await f.connect(ROOT);
    const results = (await client.query("SET application_name = 'a'; SHOW application_name")) as unknown as { rows: unknown[] }[];
    expect(results[1].rows).toEqual([{ application_name: 'a' }]);
  });

  test('binds text parameters sent with unspecified types (extended protocol)', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id = $1 AND status IN ($2, $3)', ['123', 'running', 'failed']);
    expect(result.rows).toEqual([]);
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([['job_id', 20]]);
  });

  test('reports an unbound placeholder as an error instead of guessing', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id = $2', ['1']));
    expect(error.message).toBe('no value provided for placeholder: $2');
  });

  test('keeps the connection usable after an error in the extended protocol', async () => {
    const client = await f.connect(ROOT);
    await sqlError(client.query('SELECT nope FROM crdb_internal.jobs WHERE job_id = $1', ['1']));
    expect((await client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id = $1', ['1'])).rows).toEqual([]);
  });

  test('aborts a transaction after an error until ROLLBACK (25P02)', async () => {
    const client = await f.connect(ROOT);
    await client.query('BEGIN');
    await sqlError(client.query('NOT A STATEMENT'));
    const error = await sqlError(client.query('SELECT 1'));
    expect(error.code).toBe('25P02');
    await client.query('ROLLBACK');
    expect((await client.query('SELECT 1')).rows).toHaveLength(1);
  });

  test('records every statement with its user and parameters', async () => {
    const client = await f.connect(VIEWER);
    f.double.clearStatements();
    await client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id = $1', ['42']);
    expect(f.double.statements).toEqual([{ user: 'viewer', text: 'SELECT job_id FROM crdb_internal.jobs WHERE job_id = $1', params: ['42'], rowsSent: 0, bytesSent: 0 }]);
  });
});
