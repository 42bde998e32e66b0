import { Client } from 'pg';
import { CockroachVersion } from '../support/cockroach-double';
import { BUCKET, Fixture, KEY, OPERATOR, ROOT, awsS3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { dataFileKeys } from '../support/storage-faults';
import { atLeast } from '../support/versions';
import { CollectionStore } from '../support/storage/collection-store';

/** A query whose timestamps arrive as the server's text (pg would parse them into milliseconds). */
async function textRows(client: Client, text: string, values: unknown[]): Promise<Record<string, string | null>[]> {
  const result = await client.query({ text, values, types: { getTypeParser: () => (value: string) => value } });
  return result.rows as Record<string, string | null>[];
}

/** A full backup and one incremental, 10 s apart. */
async function chainOfTwo(f: Fixture, client: Client, prefix: string): Promise<string> {
  const uri = awsS3Uri(prefix);
  await submit(client, "BACKUP INTO $1 AS OF SYSTEM TIME '-20s' WITH detached", [uri]);
  await f.double.whenJobsSettled();
  await submit(client, "BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
  await f.double.whenJobsSettled();
  return uri;
}

describe.each(['25.1', '25.4', '26.2'] as const)('how a collection reads on %s', (version: CockroachVersion) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ version, databases: [{ name: 'movr', tables: ['users', 'rides', 'vehicles'] }] });
  });
  afterAll(async () => {
    await f.close();
  });

  test('SHOW BACKUP is a data source: the SELECT filters its rows in the cluster, for a user with BACKUP alone too', async () => {
    const uri = await chainOfTwo(f, await f.connect(ROOT), `views/source-${version}`);
    const client = await f.connect(OPERATOR);
    const rows = await textRows(client, "SELECT object_name, end_time FROM [SHOW BACKUP FROM LATEST IN $1] WHERE object_type = 'database'", [uri]);
    expect(rows.map((row) => row.object_name)).toEqual(['system', 'movr', 'system', 'movr']);
    expect(new Set(rows.map((row) => row.end_time)).size).toBe(2);
    const all = await client.query('SHOW BACKUP FROM LATEST IN $1', [uri]);
    expect(all.rows.length).toBeGreaterThan(rows.length);
  });

  test('prints end times truncated to the microsecond; RESTORE quotes the same end to the nanosecond', async () => {
    const client = await f.connect(ROOT);
    const uri = await chainOfTwo(f, client, `views/micros-${version}`);
    const [full] = await textRows(client, "SELECT end_time FROM [SHOW BACKUP FROM LATEST IN $1] WHERE object_name = 'system'", [uri]);
    const printed = /\.(\d+)/.exec(full.end_time!)![1];
    expect(printed.length).toBeLessThanOrEqual(6);
    const error = await sqlError(client.query(`RESTORE DATABASE movr FROM LATEST IN $1 AS OF SYSTEM TIME '${full.end_time!.replace(/\+00$/, '')}' WITH schema_only, DETACHED`, [uri]));
    const quoted = /nearest backup time is [\d-]+ [\d:]+\.(\d{9}) \+0000 UTC$/.exec(error.message)![1];
    expect(quoted.startsWith(printed)).toBe(true);
  });

  test(`names incremental directories ${atLeast(version, '25.2') ? 'with' : 'without'} their start time (25.2 on)`, async () => {
    await chainOfTwo(f, await f.connect(ROOT), `views/layout-${version}`);
    const incrementals = (await dataFileKeys({ endpoint: f.s3.endpoint, bucket: BUCKET, prefix: `views/layout-${version}`, credentials: KEY })).filter((key) => key.includes('/incrementals/'));
    expect(incrementals.length).toBeGreaterThan(0);
    const suffixed = incrementals.every((key) => /\/\d{8}\/\d{6}\.\d{2}-\d{8}-\d{6}\.\d{2}\/data\//.test(key));
    expect(suffixed).toBe(atLeast(version, '25.2'));
  });

  test('RESTORE resolves a database at its AS OF SYSTEM TIME: one created inside the layer exists only after its creation', async () => {
    const client = await f.connect(ROOT);
    const uri = awsS3Uri(`views/resolve-${version}`);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 40));
    await submit(client, 'BACKUP INTO $1 WITH detached, revision_history', [uri]);
    await f.double.whenJobsSettled();
    await pause();
    f.double.createDatabase({ name: `late_${version.replace('.', '_')}`, tables: ['t'] });
    const created = Date.now();
    await pause();
    await submit(client, 'BACKUP INTO LATEST IN $1 WITH detached, revision_history', [uri]);
    await f.double.whenJobsSettled();
    const restore = (at: number, name: string) =>
      client.query(`RESTORE DATABASE late_${version.replace('.', '_')} FROM LATEST IN $1 AS OF SYSTEM TIME '${new Date(at).toISOString().replace('T', ' ').replace('Z', '')}' WITH schema_only, new_db_name = '${name}', DETACHED`, [uri]);
    const before = await sqlError(restore(created - 20, `before_${version.replace('.', '_')}`));
    expect(before.message).toMatch(/^failed to resolve targets in the BACKUP location specified by the RESTORE statement/);
    await restore(created + 20, `after_${version.replace('.', '_')}`);
    await f.double.whenJobsSettled();
  });

  test(`${atLeast(version, '25.4') ? 'writes' : 'writes no'} backup index under metadata/index/ (25.4 on)`, async () => {
    await chainOfTwo(f, await f.connect(ROOT), `views/index-${version}`);
    const store = new CollectionStore({ auth: 'specified', assumeRoles: [], bucket: BUCKET, prefix: `views/index-${version}`, ...KEY, region: 'us-east-1', endpoint: f.s3.endpoint });
    try {
      const index = await store.list('metadata/index');
      expect(index).toHaveLength(atLeast(version, '25.4') ? 2 : 0);
      for (const key of index) expect(key).toMatch(/^metadata\/index\/\d{4}-\d{2}-\d{2}-\d{6}\.\d{2}\/13[0-9a-f]+fffe_(0|\d{8}-\d{6}\.\d{2})_\d{8}-\d{6}\.\d{2}_metadata\.pb$/);
    } finally {
      store.close();
    }
  });

  test(`use_backups_with_ids ${atLeast(version, '26.2') ? 'shows the newest backup alone and lists ids, also as a role default' : 'does not exist (42704)'}`, async () => {
    const uri = await chainOfTwo(f, await f.connect(ROOT), `views/ids-${version}`);
    const client = await f.connect(OPERATOR);
    if (!atLeast(version, '26.2')) {
      expect((await sqlError(client.query('SET use_backups_with_ids = false'))).code).toBe('42704');
      expect(() => f.double.alterRoleSet(OPERATOR.name, 'use_backups_with_ids', 'on')).toThrow('unrecognized configuration parameter');
      return;
    }
    expect((await client.query('SHOW use_backups_with_ids')).rows[0]).toEqual({ use_backups_with_ids: 'off' });
    f.double.alterRoleSet(OPERATOR.name, 'use_backups_with_ids', 'on');
    const defaulted = await f.connect(OPERATOR);
    const layers = async (c: Client) => new Set((await c.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows.map((row) => String(row.end_time))).size;
    expect(await layers(defaulted)).toBe(1);
    expect((await defaulted.query('SHOW BACKUPS IN $1', [uri])).fields.map((field) => field.name)).toEqual(['id', 'backup_time']);
    await defaulted.query('SET use_backups_with_ids = false');
    expect(await layers(defaulted)).toBe(2);
    expect((await defaulted.query('SHOW BACKUPS IN $1', [uri])).fields.map((field) => field.name)).toEqual(['path']);
  });

  test(`a running backup on external://<name> fails when the connection is dropped; ALTER EXTERNAL CONNECTION ${atLeast(version, '25.4') ? 'keeps it' : 'does not parse (42601)'}`, async () => {
    const client = await f.connect(ROOT);
    const uri = awsS3Uri(`views/connection-${version}`);
    await client.query(`CREATE EXTERNAL CONNECTION conn_${version.replace('.', '_')} AS '${uri}'`);
    const name = `conn_${version.replace('.', '_')}`;
    const alter = client.query(`ALTER EXTERNAL CONNECTION ${name} AS '${uri}'`);
    if (!atLeast(version, '25.4')) expect((await sqlError(alter)).code).toBe('42601');
    else await alter;
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const dropped = await submit(client, `BACKUP INTO 'external://${name}' WITH detached`);
    await client.query(`DROP EXTERNAL CONNECTION ${name}`);
    await client.query(`CREATE EXTERNAL CONNECTION ${name} AS '${uri}'`);
    await f.double.whenJobsSettled();
    const job = async (id: string) => (await client.query(`SHOW JOB ${id}`)).rows[0] as { status: string; error: string };
    expect(await job(dropped)).toMatchObject({ status: 'failed', error: `external connection with name ${name} does not exist` });
    if (!atLeast(version, '25.4')) return;
    f.double.scriptNextJob({ outcome: 'succeeded', durationMs: 300 });
    const altered = await submit(client, `BACKUP INTO 'external://${name}' WITH detached`);
    await client.query(`ALTER EXTERNAL CONNECTION ${name} AS '${uri}'`);
    await f.double.whenJobsSettled();
    expect(await job(altered)).toMatchObject({ status: 'succeeded', error: '' });
  });
});
