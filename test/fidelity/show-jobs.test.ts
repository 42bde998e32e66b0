import { Client } from 'pg';
import { SUPPORTED_VERSIONS } from '../support/cockroach-double';
import { Fixture, OPERATOR, awsS3Uri, startFixture, submit } from '../support/helpers/fixture';
import { atLeast } from '../support/versions';

const HOUR = 3600 * 1000;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const FULL_COLUMNS = [
  'job_id',
  'job_type',
  'description',
  'statement',
  'user_name',
  'status',
  'running_status',
  'created',
  'started',
  'finished',
  'modified',
  'fraction_completed',
  'error',
  'coordinator_id',
  'trace_id',
  'last_run',
  'next_run',
  'num_runs',
  'execution_errors',
];
const DROPPED_FROM_PLAIN_SINCE_24_1 = ['statement', 'trace_id', 'last_run', 'next_run', 'num_runs', 'execution_errors'];
/** pkg/sql/delegate/show_jobs.go from 24.1: with ids only trace_id and execution_errors follow coordinator_id. */
const DROPPED_FROM_BY_ID_SINCE_24_1 = ['last_run', 'next_run', 'num_runs'];

/**
 * SHOW JOB(S) by version (docs/cockroachdb-behaviour.md section 2): plain SHOW JOBS, also
 * as `[SHOW JOBS]`, lists unfinished jobs and jobs finished in the last 12 hours on every
 * version, and from 24.1 drops six columns, shortens descriptions longer than 70
 * characters. With ids (SHOW JOB <id>, SHOW JOBS SELECT ...) descriptions are whole and
 * there is no window. Timestamps are TIMESTAMP up to 23.1, TIMESTAMPTZ from 23.2; from 24.1
 * they are truncated to seconds with or without ids (#121272) and SHOW JOB(S) with ids drops
 * last_run, next_run and num_runs; `started` is gone from 25.3.
 */
describe.each(SUPPORTED_VERSIONS)('SHOW JOBS on %s', (version) => {
  const reduced = atLeast(version, '24.1');
  const timestampType = atLeast(version, '23.2') ? TIMESTAMPTZ : TIMESTAMP;
  const withStarted = !atLeast(version, '25.3');
  const versionColumns = (dropped: readonly string[]): string[] =>
    FULL_COLUMNS.filter((c) => (!reduced || !dropped.includes(c)) && (withStarted || c !== 'started'));
  const plainColumns = versionColumns(DROPPED_FROM_PLAIN_SINCE_24_1);
  const byIdColumns = versionColumns(DROPPED_FROM_BY_ID_SINCE_24_1);
  let f: Fixture;
  let client: Client;
  /** Jobs of the operator: finished 13 h ago, finished 11 h ago, running for 13 h, finished now. */
  let old: string;
  let recent: string;
  let running: string;
  let fresh: string;
  beforeAll(async () => {
    f = await startFixture({ version });
    client = await f.connect(OPERATOR);
    const uri = awsS3Uri(`show-jobs-${version}`);
    const backup = async (): Promise<string> => {
      const jobId = await submit(client, 'BACKUP INTO $1 WITH detached', [uri]);
      await f.double.whenJobsSettled();
      return jobId;
    };
    old = await backup();
    recent = await backup();
    f.double.scriptNextJob({ outcome: 'running' });
    running = await backup();
    fresh = await backup();
    f.double.ageJobs(13 * HOUR, [old, running]);
    f.double.ageJobs(11 * HOUR, [recent]);
  });
  afterAll(async () => {
    await f.close();
  });

  const ids = (rows: { job_id: string }[]): string[] => rows.map((row) => row.job_id).sort();
  const shortened = (description: string): string => (description.length > 70 ? `${description.slice(0, 60)} … ${description.slice(-7)}` : description);

  test('SHOW JOB <id> has the version\'s columns, the full description and the version\'s timestamp type, at any age', async () => {
    const result = await client.query('SHOW JOB $1', [old]);
    expect(result.fields.map((field) => field.name)).toEqual(byIdColumns);
    expect(result.fields.find((field) => field.name === 'created')?.dataTypeID).toBe(timestampType);
    expect(result.rows[0].description).toMatch(new RegExp(`^BACKUP INTO '/[\\d/.-]+' IN 's3://backups/show-jobs-${version}\\?.* WITH OPTIONS \\(detached\\)$`));
  });

  test('SHOW JOBS VALUES with ids shows jobs of any age whole', async () => {
    const result = await client.query(`SHOW JOBS VALUES (${old}), ($1)`, [fresh]);
    expect(result.fields.map((field) => field.name)).toEqual(byIdColumns);
    expect(ids(result.rows)).toEqual([old, fresh].sort());
    expect(result.rows.every((row) => row.description.length > 70)).toBe(true);
  });

  test('SHOW JOBS SELECT ... FROM [SHOW JOBS] reads full rows of the jobs of the last 12 hours', async () => {
    const result = await client.query(`SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'`);
    expect(result.fields.map((field) => field.name)).toEqual(byIdColumns);
    expect(ids(result.rows)).toEqual([recent, running, fresh].sort());
    const full = (await client.query('SHOW JOB $1', [recent])).rows[0].description;
    expect(result.rows.find((row) => row.job_id === recent).description).toBe(full);
  });

  test('plain SHOW JOBS hides jobs finished more than 12 hours ago, keeps unfinished ones, newest first', async () => {
    const result = await client.query('SHOW JOBS');
    expect(result.rows.map((row) => row.job_id)).toEqual([running, fresh, recent]);
  });

  test(`plain SHOW JOBS has ${reduced ? 'the reduced columns' : 'every column'}, typed for the version`, async () => {
    const result = await client.query('SHOW JOBS');
    expect(result.fields.map((field) => field.name)).toEqual(plainColumns);
    expect(result.fields.filter((field) => ['created', 'finished'].includes(field.name)).map((field) => field.dataTypeID)).toEqual([timestampType, timestampType]);
  });

  test(`plain SHOW JOBS ${reduced ? 'shortens descriptions' : 'keeps descriptions whole'}, with the times SHOW JOB gives`, async () => {
    const byId = (await client.query('SHOW JOB $1', [fresh])).rows[0];
    const plain = (await client.query('SHOW JOBS')).rows.find((row) => row.job_id === fresh);
    expect(plain.description).toBe(reduced ? shortened(byId.description) : byId.description);
    expect((plain.created as Date).getTime()).toBe((byId.created as Date).getTime());
  });

  test(`SHOW JOB(S) ${reduced ? 'truncates times to whole seconds, with ids too (#121272)' : 'keeps the times whole'}`, async () => {
    // The job table keeps milliseconds, as CockroachDB does: move the job so that created is at .500.
    f.double.ageJobs((f.double.jobTimes(fresh).created.getMilliseconds() + 500) % 1000, [fresh]);
    const kept = f.double.jobTimes(fresh);
    expect(kept.created.getMilliseconds()).toBe(500);
    const whole = (time: Date): number => (reduced ? Math.floor(time.getTime() / 1000) * 1000 : time.getTime());
    for (const statement of [`SHOW JOB ${fresh}`, `SHOW JOBS VALUES (${fresh})`, 'SHOW JOBS']) {
      const row = (await client.query(statement)).rows.find((r) => r.job_id === fresh);
      expect([(row.created as Date).getTime(), (row.finished as Date).getTime()]).toEqual([whole(kept.created), whole(kept.finished!)]);
    }
  });

  test('[SHOW JOBS] in a SELECT is plain SHOW JOBS, filtered and projected', async () => {
    const result = await client.query(`SELECT job_id, description FROM [SHOW JOBS] WHERE job_type = 'BACKUP' AND status = 'succeeded'`);
    expect(result.fields.map((field) => field.name)).toEqual(['job_id', 'description']);
    expect(ids(result.rows)).toEqual([recent, fresh].sort());
    const full = (await client.query('SHOW JOB $1', [fresh])).rows[0].description;
    expect(result.rows.find((row) => row.job_id === fresh).description).toBe(reduced ? shortened(full) : full);
  });

  test('a job that ended more than 14 days ago is deleted (jobs.retention_time); an unfinished one stays', async () => {
    const ended = await submit(client, 'BACKUP INTO $1 WITH detached', [awsS3Uri(`retention-${version}/ended`)]);
    f.double.scriptNextJob({ outcome: 'running' });
    const unfinished = await submit(client, 'BACKUP INTO $1 WITH detached', [awsS3Uri(`retention-${version}/unfinished`)]);
    await f.double.whenJobsSettled();
    f.double.ageJobs(15 * 24 * HOUR, [ended, unfinished]);
    expect((await client.query(`SHOW JOBS VALUES (${ended}), (${unfinished})`)).rows.map((row) => row.job_id)).toEqual([unfinished]);
  });
});
