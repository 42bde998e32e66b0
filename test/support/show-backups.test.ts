import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET, Fixture, KEY, ROOT, s3Uri, sqlError, startFixture, submit } from './helpers/fixture';
import { localS3Client } from './storage/s3-client';

describe('SHOW BACKUPS and SHOW BACKUP read what is in the bucket', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  test('SHOW BACKUPS IN lists no rows for an empty collection', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query('SHOW BACKUPS IN $1', [s3Uri(f.s3.endpoint, 'list/empty')]);
    expect(result.fields.map((field) => [field.name, field.dataTypeID])).toEqual([['path', 25]]);
    expect(result.rows).toEqual([]);
  });

  test('SHOW BACKUPS IN lists one path per full backup, oldest first', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'list/two');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-20s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    await submit(client, "BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-15s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const paths = (await client.query('SHOW BACKUPS IN $1', [uri])).rows.map((row) => row.path);
    expect(paths).toHaveLength(2);
    expect(paths.every((p) => /^\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}$/.test(p))).toBe(true);
    expect([...paths].sort()).toEqual(paths);
  });

  test('SHOW BACKUP FROM LATEST IN shows one row per layer of the newest chain with backup_type and end_time', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'list/chain');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-30s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    for (const asOf of ['-20s', '-10s']) {
      await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '${asOf}' WITH detached`, [uri]);
      await f.double.whenJobsSettled();
    }
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1', [uri]);
    expect(result.fields.map((field) => field.name)).toEqual([
      'database_name',
      'parent_schema_name',
      'object_name',
      'object_type',
      'backup_type',
      'start_time',
      'end_time',
      'size_bytes',
      'rows',
      'is_full_cluster',
      'regions',
    ]);
    expect(result.rows.map((row) => row.backup_type)).toEqual(['full', 'incremental', 'incremental']);
    expect(new Set(result.rows.map((row) => (row.end_time as Date).getTime())).size).toBe(3);
    expect(result.rows[1].start_time).toEqual(result.rows[0].end_time);
  });

  test('SHOW BACKUP FROM LATEST IN an empty collection fails with "path does not contain a completed latest backup"', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1', [s3Uri(f.s3.endpoint, 'list/nothing')]));
    expect(error.code).toBe('58P01');
    expect(error.message).toMatch(/^path does not contain a completed latest backup/);
  });
});

describe('SHOW BACKUP ... WITH check_files', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  test('adds file_bytes when every data file is present', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'check/complete');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]);
    expect(result.fields.at(-1)?.name).toBe('file_bytes');
    expect(result.rows).toHaveLength(1);
  });

  test('lists the data files missing from the bucket', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'check/missing');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const dataFile = (await f.s3.listKeys(BUCKET, 'check/missing/')).find((key) => key.endsWith('/data/1.sst')) as string;
    const s3 = localS3Client({ ...KEY, region: 'us-east-1', endpoint: f.s3.endpoint });
    try {
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: dataFile }));
    } finally {
      s3.destroy();
    }
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    expect(error.message).toBe(`The following files are missing from the backup:\n\t${dataFile.slice('check/missing/'.length)}`);
  });
});
