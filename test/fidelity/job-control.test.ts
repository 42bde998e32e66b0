import { Client } from 'pg';
import { Fixture, ROOT, jobRow, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';

/** Polls crdb_internal.jobs until the job shows the status (bounded). */
async function until(client: Client, jobId: string, status: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await jobRow(client, jobId)).status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${jobId} never reached ${status}`);
}

describe('job states, scripts and control statements', () => {
  let f: Fixture;
  let client: Client;
  let uri: string;
  beforeAll(async () => {
    // Intermediate states last long enough to be read over the wire.
    f = await startFixture({ jobDurationMs: 40, transitionDelayMs: 600 });
    client = await f.connect(ROOT);
    uri = s3Uri(f.s3.endpoint, 'control');
  });
  afterAll(async () => {
    await f.close();
  });

  const backup = (): Promise<string> => submit(client, 'BACKUP INTO $1 WITH detached', [uri]);

  test('a job goes from pending to running to succeeded with fraction_completed 1 and timestamps', async () => {
    await client.query('BEGIN');
    const jobId = await backup();
    expect((await jobRow(client, jobId)).status).toBe('pending');
    await client.query('COMMIT');
    await f.double.whenJobsSettled();
    const row = (await client.query('SELECT status, created, started, finished, fraction_completed FROM crdb_internal.jobs WHERE job_id = $1', [jobId])).rows[0];
    expect(row.status).toBe('succeeded');
    expect(row.fraction_completed).toBe(1);
    expect(row.created).toBeInstanceOf(Date);
    expect(row.started.getTime()).toBeGreaterThanOrEqual(row.created.getTime());
    expect(row.finished.getTime()).toBeGreaterThanOrEqual(row.started.getTime());
  });

  test('a job scripted to fail ends failed with the scripted error', async () => {
    f.double.scriptNextJob({ outcome: 'failed', error: 'scripted: node unavailable' });
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect(await jobRow(client, jobId)).toMatchObject({ status: 'failed', error: 'scripted: node unavailable' });
  });

  test('scripts are consumed in order, one per BACKUP', async () => {
    f.double.scriptNextJob({ outcome: 'failed', error: 'first' });
    f.double.scriptNextJob({ outcome: 'succeeded' });
    const first = await backup();
    const second = await backup();
    await f.double.whenJobsSettled();
    expect((await jobRow(client, first)).error).toBe('first');
    expect((await jobRow(client, second)).status).toBe('succeeded');
  });

  test('a job scripted to be canceled ends canceled', async () => {
    f.double.scriptNextJob({ outcome: 'canceled' });
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect((await jobRow(client, jobId)).status).toBe('canceled');
  });

  test('a job scripted to pause stays paused until RESUME JOB, then succeeds', async () => {
    f.double.scriptNextJob({ outcome: 'paused' });
    const jobId = await backup();
    await until(client, jobId, 'paused');
    await client.query('RESUME JOB $1', [jobId]);
    expect((await jobRow(client, jobId)).status).toBe('running');
    await until(client, jobId, 'succeeded');
  });

  test('a job scripted to stay running stays running until canceled', async () => {
    f.double.scriptNextJob({ outcome: 'running' });
    const jobId = await backup();
    await until(client, jobId, 'running');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await jobRow(client, jobId)).status).toBe('running');
    await client.query('CANCEL JOB $1', [jobId]);
    expect((await jobRow(client, jobId)).status).toBe('cancel-requested');
    await until(client, jobId, 'canceled');
  });

  test('PAUSE JOB moves a running job through pause-requested to paused', async () => {
    f.double.scriptNextJob({ outcome: 'running' });
    const jobId = await backup();
    await until(client, jobId, 'running');
    await client.query('PAUSE JOB $1', [jobId]);
    expect((await jobRow(client, jobId)).status).toBe('pause-requested');
    await until(client, jobId, 'paused');
    await client.query('CANCEL JOB $1', [jobId]); // a paused job can be canceled
    await until(client, jobId, 'canceled');
  });

  test('CANCEL JOB of a succeeded job fails with CockroachDB\'s error', async () => {
    const jobId = await backup();
    await f.double.whenJobsSettled();
    const error = await sqlError(client.query('CANCEL JOB $1', [jobId]));
    expect(error.message).toBe('job with status succeeded cannot be requested to be canceled');
  });

  test('CANCEL JOB of a canceled job is accepted and changes nothing', async () => {
    f.double.scriptNextJob({ outcome: 'canceled' });
    const jobId = await backup();
    await f.double.whenJobsSettled();
    await client.query('CANCEL JOB $1', [jobId]);
    expect((await jobRow(client, jobId)).status).toBe('canceled');
  });

  test('PAUSE JOB of a failed job fails with CockroachDB\'s error', async () => {
    f.double.scriptNextJob({ outcome: 'failed', error: 'x' });
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect((await sqlError(client.query('PAUSE JOB $1', [jobId]))).message).toBe('job with status failed cannot be requested to be paused');
  });

  test('RESUME JOB of a succeeded job fails with CockroachDB\'s error', async () => {
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect((await sqlError(client.query(`RESUME JOB ${jobId}`))).message).toBe('job with status succeeded cannot be resumed');
  });

  test('controlling a job that does not exist fails with "job with ID ... does not exist"', async () => {
    const error = await sqlError(client.query('CANCEL JOB $1', ['999999999999999999']));
    expect(error.message).toBe('job with ID 999999999999999999 does not exist');
  });

  // Who sees and controls which jobs, by version: job-access.test.ts.

  test('whenJobsSettled waits for a job taking longer than the default', async () => {
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect((await jobRow(client, jobId)).status).toBe('succeeded');
  });

  test('jobs() lists every job with its id as a string', async () => {
    const jobId = await backup();
    await f.double.whenJobsSettled();
    expect(f.double.jobs()).toContainEqual({ jobId, type: 'BACKUP', status: 'succeeded', description: expect.stringContaining('BACKUP INTO'), error: '' });
  });

  test('a failing job passes through reverting before failed', async () => {
    f.double.scriptNextJob({ outcome: 'failed', error: 'boom' });
    const jobId = await backup();
    await until(client, jobId, 'reverting');
    await until(client, jobId, 'failed');
  });

  test('SHOW JOB WHEN COMPLETE waits until the job ends', async () => {
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const jobId = await backup();
    const result = await client.query('SHOW JOB WHEN COMPLETE $1', [jobId]);
    expect(result.rows[0]).toMatchObject({ job_id: jobId, status: 'succeeded' });
  });

  test('SHOW JOB WHEN COMPLETE looks again only after a second: a 300 ms job outlasts a 700 ms statement_timeout', async () => {
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const jobId = await backup();
    const bounded = await f.connect(ROOT, { statement_timeout: 700 });
    expect((await sqlError(bounded.query('SHOW JOB WHEN COMPLETE $1', [jobId]))).code).toBe('57014');
    expect((await bounded.query('SHOW JOB $1', [jobId])).rows[0].status).toBe('succeeded');
  });

  test('SHOW JOB WHEN COMPLETE on a paused job ends with 57014 after statement_timeout, and the session goes on', async () => {
    f.double.scriptNextJob({ outcome: 'paused' });
    const jobId = await backup();
    await until(client, jobId, 'paused');
    const bounded = await f.connect(ROOT, { statement_timeout: 200 });
    const error = await sqlError(bounded.query('SHOW JOB WHEN COMPLETE $1', [jobId]));
    expect({ code: error.code, message: error.message }).toEqual({ code: '57014', message: 'query execution canceled due to statement timeout' });
    expect((await bounded.query('SHOW JOB $1', [jobId])).rows[0].status).toBe('paused');
    await client.query('CANCEL JOB $1', [jobId]);
    await until(client, jobId, 'canceled');
  });
});

test('whenCompleteIntervalMs makes SHOW JOB WHEN COMPLETE look more often: a 300 ms job completes within a 700 ms statement_timeout', async () => {
  const f = await startFixture({ whenCompleteIntervalMs: 20 });
  try {
    const client = await f.connect(ROOT, { statement_timeout: 700 });
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const jobId = await submit(client, 'BACKUP INTO $1 WITH detached', [s3Uri(f.s3.endpoint, 'when-complete-interval')]);
    expect((await client.query('SHOW JOB WHEN COMPLETE $1', [jobId])).rows[0]).toMatchObject({ job_id: jobId, status: 'succeeded' });
  } finally {
    await f.close();
  }
});
