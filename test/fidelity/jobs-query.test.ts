import { Client } from 'pg';
import { Fixture, ROOT, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';

describe('crdb_internal.jobs (as of 24.3)', () => {
  let f: Fixture;
  let client: Client;
  let uri: string;
  let ids: string[];
  beforeAll(async () => {
    f = await startFixture();
    client = await f.connect(ROOT);
    uri = s3Uri(f.s3.endpoint, 'queries/collection_1');
    f.double.scriptNextJob({ outcome: 'failed', error: 'first failed' });
    ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await submit(client, 'BACKUP INTO $1 WITH detached', [uri]));
      await f.double.whenJobsSettled();
    }
  });
  afterAll(async () => {
    await f.close();
  });

  test('has CockroachDB\'s columns and type OIDs', async () => {
    const result = await client.query('SELECT * FROM crdb_internal.jobs LIMIT 1');
    const types = Object.fromEntries(result.fields.map((field) => [field.name, field.dataTypeID]));
    expect(types).toMatchObject({
      job_id: 20,
      job_type: 25,
      description: 25,
      statement: 25,
      user_name: 25,
      status: 25,
      running_status: 25,
      created: 1184,
      started: 1184,
      finished: 1184,
      modified: 1184,
      fraction_completed: 701,
      error: 25,
      coordinator_id: 20,
    });
    expect(result.rows[0]).toMatchObject({ job_type: 'BACKUP', user_name: 'root' });
  });

  test('projects the listed columns in the listed order', async () => {
    const result = await client.query('SELECT status, job_id FROM crdb_internal.jobs WHERE job_id = $1', [ids[1]]);
    expect(result.fields.map((field) => field.name)).toEqual(['status', 'job_id']);
    expect(result.rows).toEqual([{ status: 'succeeded', job_id: ids[1] }]);
  });

  test('filters with = and != on strings', async () => {
    const failed = await client.query("SELECT job_id FROM crdb_internal.jobs WHERE job_type = 'BACKUP' AND status = 'failed'");
    expect(failed.rows.map((row) => row.job_id)).toEqual([ids[0]]);
    const others = await client.query("SELECT job_id FROM crdb_internal.jobs WHERE status != 'failed' ORDER BY job_id");
    expect(others.rows.map((row) => row.job_id)).toEqual([ids[1], ids[2]]);
  });

  test('filters with IN over literals and parameters', async () => {
    const result = await client.query("SELECT job_id FROM crdb_internal.jobs WHERE status IN ('failed', $1) ORDER BY created", ['running']);
    expect(result.rows.map((row) => row.job_id)).toEqual([ids[0]]);
  });

  test('compares INT8 ids as integers, not as text or floats', async () => {
    const result = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id > $1 ORDER BY job_id ASC', [ids[0]]);
    expect(result.rows.map((row) => row.job_id)).toEqual([ids[1], ids[2]]);
    const below = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id <= $1', [ids[0]]);
    expect(below.rows.map((row) => row.job_id)).toEqual([ids[0]]);
  });

  test('compares timestamps as instants', async () => {
    const created = (await client.query('SELECT created FROM crdb_internal.jobs WHERE job_id = $1', [ids[1]])).rows[0].created as Date;
    const result = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE created >= $1 ORDER BY created', [created.toISOString()]);
    expect(result.rows.map((row) => row.job_id)).toEqual([ids[1], ids[2]]);
  });

  test('matches LIKE with %, _ and a backslash escape', async () => {
    const escaped = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE description LIKE $1', ['%queries/collection\\_1?%']);
    expect(escaped.rows).toHaveLength(3);
    const wrongEscape = await client.query('SELECT job_id FROM crdb_internal.jobs WHERE description LIKE $1', ['%queries/collection\\_2?%']);
    expect(wrongEscape.rows).toHaveLength(0);
    const underscore = await client.query("SELECT job_id FROM crdb_internal.jobs WHERE description LIKE 'BACKUP INTO _/%'");
    expect(underscore.rows).toHaveLength(3);
  });

  test('filters with IS NULL and IS NOT NULL', async () => {
    expect((await client.query('SELECT job_id FROM crdb_internal.jobs WHERE finished IS NULL')).rows).toHaveLength(0);
    expect((await client.query('SELECT job_id FROM crdb_internal.jobs WHERE finished IS NOT NULL')).rows).toHaveLength(3);
  });

  test('orders by several columns and limits by a parameter', async () => {
    const result = await client.query('SELECT job_id FROM crdb_internal.jobs ORDER BY status DESC, created DESC LIMIT $1', ['2']);
    expect(result.rows.map((row) => row.job_id)).toEqual([ids[2], ids[1]]);
  });

  test('answers an unknown column with 42703', async () => {
    const error = await sqlError(client.query('SELECT nope FROM crdb_internal.jobs'));
    expect(error.code).toBe('42703');
    expect(error.message).toBe('column "nope" does not exist');
  });

  test('answers an INT8 comparison with a non-integer with CockroachDB\'s parse error', async () => {
    const error = await sqlError(client.query('SELECT job_id FROM crdb_internal.jobs WHERE job_id = $1', ['12.5']));
    expect(error.code).toBe('22P02');
  });

  test('answers an unknown table with 42P01', async () => {
    expect((await sqlError(client.query('SELECT job_id FROM system.jobs'))).code).toBe('42P01');
  });

  // SHOW JOB(S) by version: show-jobs.test.ts.
  test('SHOW JOBS SELECT lists the selected jobs with full descriptions', async () => {
    const result = await client.query("SHOW JOBS SELECT job_id FROM crdb_internal.jobs WHERE status = 'succeeded'");
    expect(result.rows.map((row) => row.job_id).sort()).toEqual([ids[1], ids[2]].sort());
    expect(result.rows[0].description.length).toBeGreaterThan(70);
  });
});
