import { Client } from 'pg';
import { SUPPORTED_VERSIONS } from '../support/cockroach-double';
import { Fixture, OPERATOR, awsS3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { atLeast } from '../support/versions';

const RESTRICTED = 'Access to crdb_internal and system is restricted.';

/**
 * The unsafe-internals gate (docs/cockroachdb-behaviour.md section 2): the variable
 * allow_unsafe_internals exists from 25.4 (default on) and defaults to off from 26.1;
 * with it off, reads of crdb_internal.* and system.* fail with 42501, SHOW statements do not.
 */
describe.each(SUPPORTED_VERSIONS)('the unsafe-internals gate on %s', (version) => {
  const variableExists = atLeast(version, '25.4');
  const closedByDefault = atLeast(version, '26.1');
  let f: Fixture;
  let jobId: string;
  beforeAll(async () => {
    f = await startFixture({ version });
    const operator = await f.connect(OPERATOR);
    jobId = await submit(operator, 'BACKUP INTO $1 WITH detached', [awsS3Uri(`gate-${version}`)]);
    await f.double.whenJobsSettled();
  });
  afterAll(async () => {
    await f.close();
  });

  // With the gate open, crdb_internal.jobs answers; system.jobs is not modelled (42P01).
  const internalReads: [string, string][] = [
    ['SELECT job_id FROM crdb_internal.jobs', 'answered'],
    ["SELECT job_id FROM crdb_internal.jobs WHERE job_type = 'BACKUP'", 'answered'],
    ['SHOW JOBS SELECT job_id FROM crdb_internal.jobs', 'answered'],
    ['SELECT id FROM system.jobs', '42P01'],
  ];

  test.each(internalReads)(`${closedByDefault ? 'refuses' : 'does not refuse'} by default: %s`, async (statement, whenOpen) => {
    const client = await f.connect(OPERATOR);
    const outcome = await client.query(statement).then(
      () => ({ code: 'answered' }),
      (error: { code?: string; message: string; hint?: string }) => ({ code: error.code, message: error.message, hint: error.hint }),
    );
    if (closedByDefault) {
      expect(outcome).toEqual({ code: '42501', message: RESTRICTED, hint: expect.stringContaining('allow_unsafe_internals = true (not recommended)') });
    } else {
      expect(outcome.code).toBe(whenOpen);
    }
  });

  test.each([
    "SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'",
    "SELECT job_id, status FROM [SHOW JOBS] WHERE job_type = 'BACKUP'",
    'SHOW JOBS',
    'SHOW JOB $1',
  ])('answers a SHOW statement whatever the gate: %s', async (statement) => {
    const client = await f.connect(OPERATOR);
    const result = await client.query(statement, statement.includes('$1') ? [jobId] : []);
    expect(result.rows.map((row) => row.job_id)).toEqual([jobId]);
  });

  if (variableExists) {
    test(`has allow_unsafe_internals, ${closedByDefault ? 'off' : 'on'} by default`, async () => {
      const client = await f.connect(OPERATOR);
      expect((await client.query('SHOW allow_unsafe_internals')).rows).toEqual([{ allow_unsafe_internals: closedByDefault ? 'off' : 'on' }]);
    });

    test('opens and closes the gate per session with SET, without a privilege', async () => {
      const client = await f.connect(OPERATOR);
      await client.query('SET allow_unsafe_internals = true');
      expect((await client.query('SELECT job_id FROM crdb_internal.jobs')).rows).toEqual([{ job_id: jobId }]);
      await client.query('SET allow_unsafe_internals = off');
      expect((await sqlError(client.query('SELECT job_id FROM crdb_internal.jobs'))).message).toBe(RESTRICTED);
      const other: Client = await f.connect(OPERATOR);
      expect((await other.query('SHOW allow_unsafe_internals')).rows[0].allow_unsafe_internals).toBe(closedByDefault ? 'off' : 'on');
    });

    test('takes the variable from the connection\'s startup options too', async () => {
      const client = await f.connect(OPERATOR, { options: '-c allow_unsafe_internals=false' });
      expect((await sqlError(client.query('SELECT job_id FROM crdb_internal.jobs'))).message).toBe(RESTRICTED);
    });
  } else {
    test('does not know allow_unsafe_internals', async () => {
      const client = await f.connect(OPERATOR);
      const error = await sqlError(client.query('SET allow_unsafe_internals = true'));
      expect({ code: error.code, message: error.message }).toEqual({ code: '42704', message: 'unrecognized configuration parameter "allow_unsafe_internals"' });
    });
  }
});
