import { SUPPORTED_VERSIONS } from '../support/cockroach-double';
import { Fixture, OPERATOR, ROOT, VIEWER, awsS3Uri, jobRow, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { atLeast } from '../support/versions';

describe('BACKUP statements', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });
  afterEach(async () => {
    await f.double.whenJobsSettled();
  });

  test('BACKUP ... WITH DETACHED returns one INT8 column job_id', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query(`BACKUP INTO '${s3Uri(f.s3.endpoint, 'detached-columns')}' AS OF SYSTEM TIME '-10s' WITH DETACHED`);
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([['job_id', 20]]);
    expect(result.rows).toHaveLength(1);
  });

  test('returns job ids above 2^53 that arrive exactly, as strings', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, `BACKUP INTO '${s3Uri(f.s3.endpoint, 'big-ids')}' WITH detached`);
    expect(typeof jobId).toBe('string');
    expect(BigInt(jobId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(String(Number(jobId))).not.toBe(jobId); // a Number() on the way would corrupt it
    expect(f.double.jobs().map((job) => job.jobId)).toContain(jobId);
    expect((await jobRow(client, jobId)).job_id).toBe(jobId);
  });

  test('accepts options in any order and case, with or without OPTIONS ( )', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'option-order');
    for (const options of ['WITH revision_history, detached', 'with DETACHED, REVISION_HISTORY', 'WITH OPTIONS (detached = true, revision_history)']) {
      const jobId = await submit(client, `BACKUP INTO $1 ${options}`, [uri]);
      expect((await jobRow(client, jobId)).description).toMatch(/WITH OPTIONS \(revision_history = true, detached\)$/);
    }
  });

  test('refuses an option given twice, as CockroachDB\'s parser does', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query(`BACKUP INTO $1 WITH detached, detached`, [s3Uri(f.s3.endpoint, 'twice')]));
    expect(error.message).toBe('detached option specified multiple times');
  });

  test('describes a new full backup with the sanitized URI until its destination is resolved', async () => {
    const client = await f.connect(ROOT);
    await client.query('BEGIN'); // the job stays pending, with its creation-time description, until COMMIT
    const jobId = await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached`, [s3Uri(f.s3.endpoint, 'describe-full')]);
    const { description } = await jobRow(client, jobId);
    await client.query('COMMIT');
    // Secret redacted, key id kept, parameters sorted and re-encoded (SanitizeExternalStorageURI).
    expect(description).toBe(
      `BACKUP INTO 's3://backups/describe-full?AWS_ACCESS_KEY_ID=AKIADOUBLETEST000001&AWS_ENDPOINT=${encodeURIComponent(f.s3.endpoint)}` +
        `&AWS_REGION=us-east-1&AWS_SECRET_ACCESS_KEY=redacted' AS OF SYSTEM TIME '-10s' WITH OPTIONS (detached)`,
    );
  });

  test('describes a full backup by its subdirectory once the job resolved it', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, `BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'describe-resolved')]);
    await f.double.whenJobsSettled();
    expect((await jobRow(client, jobId)).description).toMatch(/^BACKUP INTO '\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}' IN 's3:\/\/backups\/describe-resolved\?.*redacted' WITH OPTIONS \(detached\)$/);
  });

  test('describes an incremental as INTO \'LATEST\' IN until the job resolves it, then by its full backup\'s subdirectory', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'describe-incremental');
    await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached`, [uri]);
    await f.double.whenJobsSettled();
    const full = f.double.jobs().find((job) => job.description.includes('describe-incremental'));
    const subdir = /^BACKUP INTO '([^']+)' IN/.exec(full?.description ?? '')?.[1];
    await client.query('BEGIN');
    const jobId = await submit(client, `BACKUP INTO LATEST IN $1 WITH detached`, [uri]);
    expect((await jobRow(client, jobId)).description).toMatch(/^BACKUP INTO 'LATEST' IN 's3:\/\/backups\/describe-incremental\?.*' WITH OPTIONS \(detached\)$/);
    await client.query('COMMIT');
    await f.double.whenJobsSettled();
    const after = await jobRow(client, jobId);
    expect(after.status).toBe('succeeded');
    expect(subdir).toMatch(/^\/\d{4}\//);
    expect(after.description.startsWith(`BACKUP INTO '${subdir}' IN 's3://backups/describe-incremental?`)).toBe(true);
  });

  test('without DETACHED blocks until the job ends and returns v24.3\'s columns', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query(`BACKUP INTO $1 AS OF SYSTEM TIME '-10s'`, [s3Uri(f.s3.endpoint, 'blocking')]);
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([
      ['job_id', 20],
      ['status', 25],
      ['fraction_completed', 701],
      ['rows', 20],
      ['index_entries', 20],
      ['bytes', 20],
    ]);
    expect(result.rows[0]).toMatchObject({ status: 'succeeded', fraction_completed: 1 });
  });

  test('without DETACHED reports the job\'s failure as the statement\'s error', async () => {
    const client = await f.connect(ROOT);
    f.double.scriptNextJob({ outcome: 'failed', error: 'injected failure' });
    const error = await sqlError(client.query(`BACKUP INTO $1`, [s3Uri(f.s3.endpoint, 'blocking-failure')]));
    expect(error.message).toBe('injected failure');
  });

  test('without DETACHED is refused inside an explicit transaction', async () => {
    const client = await f.connect(ROOT);
    await client.query('BEGIN');
    const error = await sqlError(client.query(`BACKUP INTO $1`, [s3Uri(f.s3.endpoint, 'in-transaction')]));
    expect(error.message).toBe('BACKUP cannot be used inside a multi-statement transaction without DETACHED option');
    await client.query('ROLLBACK');
  });

  test('refuses a user without the BACKUP system privilege with 42501', async () => {
    const client = await f.connect(VIEWER);
    const error = await sqlError(client.query(`BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'no-privilege')]));
    expect(error.code).toBe('42501');
    expect(error.message).toBe(
      'only users with the admin role or the BACKUP system privilege are allowed to perform full cluster backups: user viewer does not have BACKUP system privilege',
    );
  });

  test('lets a user with the BACKUP system privilege back up', async () => {
    const client = await f.connect(OPERATOR);
    const jobId = await submit(client, `BACKUP INTO $1 WITH detached`, [awsS3Uri('operator')]);
    await f.double.whenJobsSettled();
    expect((await jobRow(client, jobId)).status).toBe('succeeded');
  });

  test('applies GRANT SYSTEM BACKUP and REVOKE SYSTEM BACKUP run by an admin', async () => {
    const admin = await f.connect(ROOT);
    const viewer = await f.connect(VIEWER);
    const uri = awsS3Uri('granted');
    await admin.query('GRANT SYSTEM BACKUP TO viewer');
    await submit(viewer, 'BACKUP INTO $1 WITH detached', [uri]);
    await admin.query('REVOKE SYSTEM BACKUP FROM viewer');
    expect((await sqlError(viewer.query('BACKUP INTO $1 WITH detached', [uri]))).code).toBe('42501');
  });

  test('refuses unknown S3 query parameters synchronously for a non-admin', async () => {
    const client = await f.connect(OPERATOR);
    const error = await sqlError(client.query('BACKUP INTO $1 WITH detached', [s3Uri(f.s3.endpoint, 'bad-param', undefined, undefined, '&AWS_BOGUS=1')]));
    expect(error.message).toBe('unknown S3 query parameters: AWS_BOGUS');
  });

  test('refuses AUTH=implicit for a non-admin (EXTERNALIOIMPLICITACCESS)', async () => {
    const client = await f.connect(OPERATOR);
    const error = await sqlError(client.query('BACKUP INTO $1 WITH detached', [`s3://backups/implicit?AUTH=implicit&AWS_ENDPOINT=${encodeURIComponent(f.s3.endpoint)}`]));
    expect(error.code).toBe('42501');
    expect(error.message).toBe('only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI');
  });

  test('lets the job report a malformed URI for an admin', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, 'BACKUP INTO $1 WITH detached', [s3Uri(f.s3.endpoint, 'bad-param', undefined, undefined, '&AWS_BOGUS=1')]);
    await f.double.whenJobsSettled();
    expect(await jobRow(client, jobId)).toMatchObject({ status: 'failed', error: 'unknown S3 query parameters: AWS_BOGUS' });
  });
});

/** Blocking BACKUP's columns (pkg/jobs/resultcols.go): index_entries and bytes until 24.3, gone from 25.1. */
describe.each(SUPPORTED_VERSIONS)('BACKUP without DETACHED on %s', (version) => {
  const columns = atLeast(version, '25.1')
    ? ['job_id', 'status', 'fraction_completed', 'rows']
    : ['job_id', 'status', 'fraction_completed', 'rows', 'index_entries', 'bytes'];
  test(`returns ${columns.join(', ')}`, async () => {
    const f = await startFixture({ version });
    try {
      const client = await f.connect(ROOT);
      const result = await client.query(`BACKUP INTO $1`, [awsS3Uri(`blocking-${version}`)]);
      expect(result.fields.map((field) => field.name)).toEqual(columns);
      expect(result.rows[0].status).toBe('succeeded');
    } finally {
      await f.close();
    }
  });
});
