import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { BUCKET, Fixture, KEY, ROOT, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { StoredCollection, damageDataFile, dataFileKeys, deleteLayerMetadataFile } from '../support/storage-faults';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
import { localS3Client } from '../support/storage/s3-client';

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

  test('SHOW BACKUP FROM LATEST IN shows every object of every layer of the newest chain with backup_type and end_time', async () => {
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
    const layers = [...new Set(result.rows.map((row) => (row.end_time as Date).getTime()))];
    expect(layers).toHaveLength(3);
    const typeOf = (end: number): string[] => [...new Set(result.rows.filter((row) => (row.end_time as Date).getTime() === end).map((row) => row.backup_type as string))];
    expect(layers.map(typeOf)).toEqual([['full'], ['incremental'], ['incremental']]);
    const secondLayer = result.rows.find((row) => (row.end_time as Date).getTime() === layers[1]);
    expect(secondLayer?.start_time).toEqual(new Date(layers[0]));
  });

  test('SHOW BACKUP FROM LATEST IN an empty collection fails with "path does not contain a completed latest backup"', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1', [s3Uri(f.s3.endpoint, 'list/nothing')]));
    expect(error.code).toBe('58P01');
    expect(error.message).toMatch(/^read LATEST path: path does not contain a completed latest backup/);
  });
});

describe('SHOW BACKUP lists the schema a cluster backup holds', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ databases: [{ name: 'movr', tables: ['users', 'rides'] }] });
  });
  afterAll(async () => {
    await f.close();
  });

  test('one row per database, public schema and table, with NULL sizes for databases and schemas', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'schema/one');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1', [uri]);
    const objects = result.rows.map((row) => [row.database_name, row.parent_schema_name, row.object_name, row.object_type]);
    expect(objects).toEqual([
      [null, null, 'system', 'database'],
      ['system', 'public', 'users', 'table'],
      ['system', 'public', 'zones', 'table'],
      ['system', 'public', 'settings', 'table'],
      ['system', 'public', 'role_members', 'table'],
      [null, null, 'movr', 'database'],
      ['movr', null, 'public', 'schema'],
      ['movr', 'public', 'users', 'table'],
      ['movr', 'public', 'rides', 'table'],
    ]);
    expect(result.rows.every((row) => row.is_full_cluster === true)).toBe(true);
    const movr = result.rows.filter((row) => row.database_name === 'movr' || row.object_name === 'movr');
    expect(movr.map((row) => [row.size_bytes, row.rows])).toEqual([
      [null, null],
      [null, null],
      ['1024', '100'],
      ['1024', '100'],
    ]);
  });

  test('an incremental layer lists every object again, with its own sizes', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'schema/chain');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-20s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    await submit(client, "BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const rows = (await client.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows;
    const incremental = rows.filter((row) => row.backup_type === 'incremental');
    expect(incremental).toHaveLength(rows.length / 2);
    expect(incremental.filter((row) => row.object_name === 'rides').map((row) => [row.size_bytes, row.rows])).toEqual([['256', '10']]);
  });

  test('SHOW DATABASES lists the cluster\'s databases with CockroachDB\'s columns', async () => {
    const client = await f.connect(ROOT);
    const result = await client.query('SHOW DATABASES');
    expect(result.fields.map((field) => field.name)).toEqual(['database_name', 'owner', 'primary_region', 'secondary_region', 'regions', 'survival_goal']);
    expect(result.rows.map((row) => [row.database_name, row.owner])).toEqual([
      ['movr', 'root'],
      ['system', 'node'],
    ]);
    expect(result.rows[0].regions).toEqual([]);
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

  const collection = (prefix: string): StoredCollection => ({ endpoint: f.s3.endpoint, bucket: BUCKET, prefix, credentials: KEY });

  async function chain(prefix: string, incrementals = 0): Promise<string> {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, prefix);
    await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-${10 + incrementals}s' WITH detached`, [uri]);
    await f.double.whenJobsSettled();
    for (let i = incrementals - 1; i >= 0; i--) {
      await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-${10 + i}s' WITH detached`, [uri]);
      await f.double.whenJobsSettled();
    }
    return uri;
  }

  test('adds file_bytes: the sizes in storage of a table\'s files, NULL for databases and schemas', async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/complete');
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]);
    expect(result.fields.at(-1)).toMatchObject({ name: 'file_bytes', dataTypeID: 20 });
    expect(result.rows.filter((row) => row.object_type === 'table').map((row) => row.file_bytes)).toEqual(['1024', '1024', '1024', '1024', '1024']);
    expect(result.rows.filter((row) => row.object_type !== 'table').map((row) => row.file_bytes)).toEqual([null, null, null, null, null]);
  });

  test('names a data file deleted from an incremental layer as s3:/<bucket>/<layer>/data/<n>.sst, without SQLSTATE', async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/missing', 2);
    const damaged = await damageDataFile(collection('check/missing'), 'delete', { layer: 1, table: 'defaultdb.kv' });
    expect(damaged.layer).toMatch(/^incrementals\//);
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    expect(error.code).toBe('XXUUU');
    expect(error.message).toBe(`The following files are missing from the backup:\n\t${damaged.checkFilesPath}`);
    expect(damaged.checkFilesPath).toMatch(/^s3:\/backups\/check\/missing\/incrementals\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\/\d{8}\/\d{6}\.\d{2}\/data\/\d+\.sst$/);
  });

  test('lists several missing files sorted, one per line', async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/several');
    const first = await damageDataFile(collection('check/several'), 'delete', { table: 'system.users' });
    const second = await damageDataFile(collection('check/several'), 'delete', { table: 'defaultdb.kv' });
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    expect(error.message).toBe(`The following files are missing from the backup:\n\t${[first.checkFilesPath, second.checkFilesPath].sort().join('\n\t')}`);
  });

  test('stops at ten unreadable files and says "Multiple files cannot be read from the backup including:"', async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/many', 2);
    const keys = await dataFileKeys(collection('check/many'));
    expect(keys).toHaveLength(15);
    const s3 = localS3Client({ ...KEY, region: 'us-east-1', endpoint: f.s3.endpoint });
    try {
      for (const key of keys) await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    } finally {
      s3.destroy();
    }
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    const [prefix, ...files] = error.message.split('\n\t');
    expect(prefix).toBe('Multiple files cannot be read from the backup including:');
    expect(files).toHaveLength(10);
    expect([...files].sort()).toEqual(files);
  });

  test("fails at once on a layer's missing manifest checksum, naming the layer's URI with its query as written", async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/metadata', 1);
    const key = await deleteLayerMetadataFile(collection('check/metadata'), 'BACKUP_MANIFEST-CHECKSUM', 'newest');
    const layer = key.slice('check/metadata/'.length, -'/BACKUP_MANIFEST-CHECKSUM'.length);
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    const [base, query] = uri.split('?');
    expect(error.code).toBe('XXUUU');
    expect(error.message).toMatch(new RegExp(`^Error checking metadata file ${escape(`${base}/${layer}?${query}/BACKUP_MANIFEST-CHECKSUM: `)}`));
  });

  test('passes a truncated or corrupted file: it checks existence (ExternalStorage.Size), not sizes or contents', async () => {
    const client = await f.connect(ROOT);
    const uri = await chain('check/truncated');
    await damageDataFile(collection('check/truncated'), 'truncate', { table: 'defaultdb.kv' });
    await damageDataFile(collection('check/truncated'), 'corrupt', { table: 'system.zones' });
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]);
    expect(result.rows.find((row) => row.object_name === 'kv')?.file_bytes).toBe('512');
  });
});

describe('SHOW BACKUP ... WITH check_files and statement_timeout', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ checkFilesDelayMs: 200 });
  });
  afterAll(async () => {
    await f.close();
  });

  test('a check slower than statement_timeout is canceled with 57014', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'check/slow');
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    await client.query("SET statement_timeout = '300ms'");
    const error = await sqlError(client.query('SHOW BACKUP FROM LATEST IN $1 WITH check_files', [uri]));
    expect(error.code).toBe('57014');
    // Without check_files nothing waits per file: the same statement_timeout is enough.
    expect((await client.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows.length).toBeGreaterThan(0);
  });
});

describe.each([
  ['23.1', 1114],
  ['23.2', 1184],
  ['26.3', 1184],
] as const)('SHOW BACKUP on %s', (version, timestampOid) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ version });
  });
  afterAll(async () => {
    await f.close();
  });

  test(`types start_time and end_time as OID ${timestampOid} (TIMESTAMPTZ from 23.2, cockroach#108290)`, async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, `types/${version}`);
    await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const result = await client.query('SHOW BACKUP FROM LATEST IN $1', [uri]);
    expect(result.fields.filter((field) => field.name.endsWith('_time')).map((field) => field.dataTypeID)).toEqual([timestampOid, timestampOid]);
  });
});
