import { BUCKET, Fixture, KEY, OPERATOR, ROOT, VIEWER, awsS3Uri, jobRow, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';

describe('external connections', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  test('CREATE EXTERNAL CONNECTION stores the URI and SHOW CREATE returns it unredacted', async () => {
    const client = await f.connect(OPERATOR);
    const uri = awsS3Uri('ec/show');
    await client.query(`CREATE EXTERNAL CONNECTION 'show_me' AS '${uri}'`);
    const result = await client.query("SHOW CREATE EXTERNAL CONNECTION 'show_me'");
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([
      ['connection_name', 25],
      ['create_statement', 25],
    ]);
    expect(result.rows).toEqual([{ connection_name: 'show_me', create_statement: `CREATE EXTERNAL CONNECTION 'show_me' AS '${uri}'` }]);
  });

  test('CREATE EXTERNAL CONNECTION leaves its sentinel file in the bucket', async () => {
    const client = await f.connect(OPERATOR);
    await client.query('CREATE EXTERNAL CONNECTION sentinel AS $1', [awsS3Uri('ec/sentinel')]);
    expect(await f.s3.listKeys(BUCKET, 'ec/sentinel/')).toEqual(['ec/sentinel/crdb_external_storage_location']);
  });

  test('SHOW CREATE ALL EXTERNAL CONNECTIONS lists every connection', async () => {
    const client = await f.connect(ROOT);
    await client.query('CREATE EXTERNAL CONNECTION all_a AS $1', [s3Uri(f.s3.endpoint, 'ec/a')]);
    await client.query('CREATE EXTERNAL CONNECTION all_b AS $1', [s3Uri(f.s3.endpoint, 'ec/b')]);
    const names = (await client.query('SHOW CREATE ALL EXTERNAL CONNECTIONS')).rows.map((row) => row.connection_name);
    expect(names).toEqual(expect.arrayContaining(['all_a', 'all_b']));
  });

  test('refuses a second connection with the same name with 42710', async () => {
    const client = await f.connect(ROOT);
    await client.query('CREATE EXTERNAL CONNECTION twice AS $1', [s3Uri(f.s3.endpoint, 'ec/twice')]);
    const error = await sqlError(client.query('CREATE EXTERNAL CONNECTION twice AS $1', [s3Uri(f.s3.endpoint, 'ec/twice')]));
    expect(error.code).toBe('42710');
    expect(error.message).toBe('failed to create external connection: external connection with connection name twice already exists');
  });

  test('refuses a user without the EXTERNALCONNECTION privilege with 42501', async () => {
    const client = await f.connect(VIEWER);
    const error = await sqlError(client.query('CREATE EXTERNAL CONNECTION nope AS $1', [s3Uri(f.s3.endpoint, 'ec/nope')]));
    expect(error.code).toBe('42501');
    expect(error.message).toBe('only users with the EXTERNALCONNECTION system privilege are allowed to CREATE EXTERNAL CONNECTION');
  });

  test('validates the URI by writing to the bucket: a wrong secret key fails CREATE', async () => {
    const client = await f.connect(ROOT);
    const wrong = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'not/the+secret' };
    const error = await sqlError(client.query('CREATE EXTERNAL CONNECTION wrong_key AS $1', [s3Uri(f.s3.endpoint, 'ec/wrong', wrong)]));
    expect(error.message).toMatch(/^failed to construct External Connection details: .*SignatureDoesNotMatch/);
    expect((await client.query('SHOW CREATE ALL EXTERNAL CONNECTIONS')).rows.map((row) => row.connection_name)).not.toContain('wrong_key');
  });

  test('DROP EXTERNAL CONNECTION removes it; a missing one is "does not exist"', async () => {
    const client = await f.connect(ROOT);
    await client.query('CREATE EXTERNAL CONNECTION dropped AS $1', [s3Uri(f.s3.endpoint, 'ec/dropped')]);
    await client.query("DROP EXTERNAL CONNECTION 'dropped'");
    const error = await sqlError(client.query("SHOW CREATE EXTERNAL CONNECTION 'dropped'"));
    expect(error.message).toBe('external connection with name dropped does not exist');
    expect((await sqlError(client.query('DROP EXTERNAL CONNECTION dropped'))).message).toBe('external connection with name dropped does not exist');
  });

  test('BACKUP INTO external://<name> writes through the stored URI and shows no key in the description', async () => {
    const client = await f.connect(OPERATOR);
    await client.query('CREATE EXTERNAL CONNECTION backups_ec AS $1', [awsS3Uri('ec/backups')]);
    const jobId = await submit(client, "BACKUP INTO 'external://backups_ec' AS OF SYSTEM TIME '-10s' WITH detached");
    await f.double.whenJobsSettled();
    const job = await jobRow(client, jobId);
    expect(job.status).toBe('succeeded');
    expect(job.description).toMatch(/^BACKUP INTO '\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}' IN 'external:\/\/backups_ec' AS OF SYSTEM TIME '-10s' WITH OPTIONS \(detached\)$/);
    expect((await f.s3.listKeys(BUCKET, 'ec/backups/')).some((key) => key.endsWith('/BACKUP_MANIFEST'))).toBe(true);
  });

  test('BACKUP INTO an external connection that does not exist fails at once for a non-admin', async () => {
    const client = await f.connect(OPERATOR);
    const error = await sqlError(client.query("BACKUP INTO 'external://missing' WITH detached"));
    expect(error.message).toBe('external connection with name missing does not exist');
  });

  test('BACKUP INTO an external connection that does not exist fails in the job for an admin', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, "BACKUP INTO 'external://missing' WITH detached");
    await f.double.whenJobsSettled();
    expect(await jobRow(client, jobId)).toMatchObject({ status: 'failed', error: 'external connection with name missing does not exist' });
  });

  test('BACKUP INTO another user\'s external connection needs USAGE on it', async () => {
    const admin = await f.connect(ROOT);
    await admin.query('CREATE EXTERNAL CONNECTION admins_ec AS $1', [s3Uri(f.s3.endpoint, 'ec/admins')]);
    const error = await sqlError((await f.connect(OPERATOR)).query("BACKUP INTO 'external://admins_ec' WITH detached"));
    expect(error.code).toBe('42501');
  });
});
