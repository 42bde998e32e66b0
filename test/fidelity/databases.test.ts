import { CockroachDouble } from '../support/cockroach-double';
import { Fixture, ROOT, awsS3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';

const OWNER = { name: 'owner', password: 'owner-password', systemPrivileges: ['RESTORE'] } as const;
const OTHER = { name: 'other', password: 'other-password', systemPrivileges: ['RESTORE'] } as const;

describe('SHOW DATABASES and DROP DATABASE', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ databases: [{ name: 'movr', tables: ['users'] }, { name: 'empty' }], jobDurationMs: 5 });
    f.double.addUser(OWNER);
    f.double.addUser(OTHER);
  });
  afterAll(async () => {
    await f.close();
  });

  const names = async (): Promise<string[]> => (await (await f.connect(ROOT)).query('SHOW DATABASES')).rows.map((row) => row.database_name as string);

  test('a fresh cluster lists defaultdb and postgres owned by root, and system owned by node', async () => {
    const double = await CockroachDouble.start();
    try {
      expect(double.databases().map((d) => [d.name, d.owner])).toEqual([
        ['defaultdb', 'root'],
        ['postgres', 'root'],
        ['system', 'node'],
      ]);
    } finally {
      await double.stop();
    }
  });

  test('the owner of a restored database drops it with CASCADE, and SHOW DATABASES no longer lists it', async () => {
    const root = await f.connect(ROOT);
    const uri = awsS3Uri('databases/owner');
    await submit(root, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const owner = await f.connect(OWNER);
    await submit(owner, "RESTORE DATABASE movr FROM LATEST IN $1 WITH schema_only, new_db_name = 'movr_copy', DETACHED", [uri]);
    await f.double.whenJobsSettled();
    expect(await names()).toContain('movr_copy');
    await owner.query('DROP DATABASE movr_copy CASCADE');
    expect(await names()).not.toContain('movr_copy');
  });

  test('a user that neither owns the database nor is admin is refused with 42501', async () => {
    const error = await sqlError((await f.connect(OTHER)).query('DROP DATABASE movr CASCADE'));
    expect([error.code, error.message]).toEqual(['42501', 'user other does not have DROP privilege on database movr']);
    expect(await names()).toContain('movr');
  });

  test('a database that does not exist is 3D000, unless IF EXISTS', async () => {
    const root = await f.connect(ROOT);
    const error = await sqlError(root.query('DROP DATABASE nowhere CASCADE'));
    expect([error.code, error.message]).toEqual(['3D000', 'database "nowhere" does not exist']);
    await expect(root.query('DROP DATABASE IF EXISTS nowhere CASCADE')).resolves.toMatchObject({ command: 'DROP' });
  });

  test('RESTRICT refuses a database with tables (2BP01); an empty one drops', async () => {
    const root = await f.connect(ROOT);
    const error = await sqlError(root.query('DROP DATABASE movr RESTRICT'));
    expect([error.code, error.message]).toEqual(['2BP01', 'database "movr" is not empty and RESTRICT was specified']);
    await root.query('DROP DATABASE empty RESTRICT');
    expect(await names()).not.toContain('empty');
  });

  test('a quoted name keeps its case', async () => {
    const root = await f.connect(ROOT);
    const uri = awsS3Uri('databases/quoted');
    await submit(root, "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    await submit(root, 'RESTORE DATABASE "movr" FROM LATEST IN $1 WITH schema_only, new_db_name = \'Movr Drill\', DETACHED', [uri]);
    await f.double.whenJobsSettled();
    expect(await names()).toContain('Movr Drill');
    await root.query('DROP DATABASE "Movr Drill" CASCADE');
    expect(await names()).not.toContain('Movr Drill');
  });
});

describe('a full cluster restore', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ databases: [{ name: 'movr', tables: ['users', 'rides'], owner: 'operator' }, { name: 'defaultdb' }], jobDurationMs: 5 });
  });
  afterAll(async () => {
    await f.close();
  });

  test("into an empty cluster recreates the backup's databases with their owners", async () => {
    const uri = awsS3Uri('databases/cluster');
    await submit(await f.connect(ROOT), "BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached", [uri]);
    await f.double.whenJobsSettled();
    const fresh = await CockroachDouble.start({ users: [ROOT], awsS3Endpoint: f.s3.endpoint, databases: [{ name: 'defaultdb' }, { name: 'postgres' }], jobDurationMs: 5 });
    try {
      const { Client } = await import('pg');
      const client = new Client({ host: fresh.host, port: fresh.port, user: ROOT.name, password: ROOT.password, database: 'defaultdb', ssl: { ca: fresh.caCertificate } });
      await client.connect();
      try {
        const result = await client.query('RESTORE FROM LATEST IN $1', [uri]);
        expect(result.rows[0].status).toBe('succeeded');
      } finally {
        await client.end();
      }
      expect(fresh.databases()).toEqual([
        { name: 'defaultdb', owner: 'root', tables: [] },
        { name: 'movr', owner: 'operator', tables: ['users', 'rides'] },
        { name: 'system', owner: 'node', tables: ['users', 'zones', 'settings', 'role_members'] },
      ]);
    } finally {
      await fresh.stop();
    }
  });
});
