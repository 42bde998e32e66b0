import { SUPPORTED_VERSIONS } from '../support/cockroach-double';
import { Fixture, KEY, OPERATOR, ROOT, VIEWER, awsS3Uri, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';

const IMPLICIT_ACCESS = 'only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI';

/** A user who may do everything OPERATOR may, and name an S3-compatible endpoint. */
const ENDPOINT_USER = { name: 'endpoint_user', password: 'endpoint-password', systemPrivileges: ['BACKUP', 'EXTERNALCONNECTION', 'EXTERNALIOIMPLICITACCESS'] } as const;

/**
 * Storage URIs and privileges (docs/cockroachdb-behaviour.md sections 1 and 3): for a
 * non-admin, a URI with AWS_ENDPOINT counts as implicit access and needs
 * EXTERNALIOIMPLICITACCESS, in every statement that names storage; a plain s3:// URI with
 * keys needs nothing beyond the statement's own privilege. The double's nodes reach
 * "AWS S3" through its awsS3Endpoint option.
 */
describe('S3 URIs with AWS_ENDPOINT', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
    f.double.addUser(ENDPOINT_USER);
    // A collection with a full backup, so that every statement below can succeed.
    await submit(await f.connect(ROOT), 'BACKUP INTO $1 WITH detached', [s3Uri(f.s3.endpoint, 'endpoint')]);
    await f.double.whenJobsSettled();
  });
  afterAll(async () => {
    await f.close();
  });

  const statements: [string, (n: string) => string][] = [
    ['BACKUP INTO', () => 'BACKUP INTO $1 WITH detached'],
    ['BACKUP INTO LATEST IN', () => 'BACKUP INTO LATEST IN $1 WITH detached'],
    ['SHOW BACKUPS IN', () => 'SHOW BACKUPS IN $1'],
    ['SHOW BACKUP FROM LATEST IN', () => 'SHOW BACKUP FROM LATEST IN $1'],
    ['CREATE EXTERNAL CONNECTION', (user) => `CREATE EXTERNAL CONNECTION endpoint_${user} AS $1`],
  ];

  test.each(statements)('%s refuses a non-admin without EXTERNALIOIMPLICITACCESS with 42501', async (_label, statement) => {
    const error = await sqlError((await f.connect(OPERATOR)).query(statement(OPERATOR.name), [s3Uri(f.s3.endpoint, 'endpoint')]));
    expect({ code: error.code, message: error.message }).toEqual({ code: '42501', message: IMPLICIT_ACCESS });
  });

  test.each(statements)('%s accepts a non-admin granted EXTERNALIOIMPLICITACCESS', async (_label, statement) => {
    await (await f.connect(ENDPOINT_USER)).query(statement(ENDPOINT_USER.name), [s3Uri(f.s3.endpoint, 'endpoint')]);
    await f.double.whenJobsSettled();
  });

  test('GRANT SYSTEM EXTERNALIOIMPLICITACCESS lifts the refusal', async () => {
    const user = { name: 'late_grantee', password: 'late-password', systemPrivileges: ['BACKUP'] } as const;
    f.double.addUser(user);
    const client = await f.connect(user);
    const uri = s3Uri(f.s3.endpoint, 'late-grant');
    expect((await sqlError(client.query('SHOW BACKUPS IN $1', [uri]))).code).toBe('42501');
    await (await f.connect(ROOT)).query('GRANT SYSTEM EXTERNALIOIMPLICITACCESS TO late_grantee');
    expect((await client.query('SHOW BACKUPS IN $1', [uri])).rows).toEqual([]);
  });

  test('a plain s3:// URI needs only BACKUP: the nodes reach it through awsS3Endpoint', async () => {
    const client = await f.connect(OPERATOR);
    await submit(client, 'BACKUP INTO $1 WITH detached', [awsS3Uri('plain')]);
    await f.double.whenJobsSettled();
    expect((await client.query('SHOW BACKUPS IN $1', [awsS3Uri('plain')])).rows).toHaveLength(1);
  });
});

test('a double without awsS3Endpoint refuses a plain s3:// URI instead of reaching AWS', async () => {
  const f = await startFixture({ awsS3Endpoint: undefined });
  try {
    const error = await sqlError((await f.connect(ROOT)).query('SHOW BACKUPS IN $1', [awsS3Uri('nowhere')]));
    expect(error.message).toMatch(/has no AWS S3: start it with awsS3Endpoint/);
  } finally {
    await f.close();
  }
});

/**
 * SHOW BACKUP(S) read the collection from storage (section 3): they list backups taken by
 * any user, need no job privilege, and with explicit keys no system privilege, while the
 * job table shows a non-admin only its own jobs.
 */
describe.each(SUPPORTED_VERSIONS)('SHOW BACKUP(S) on %s', (version) => {
  let f: Fixture;
  let rootJob: string;
  const uri = awsS3Uri(`by-root-${version}`, KEY);
  beforeAll(async () => {
    f = await startFixture({ version });
    rootJob = await submit(await f.connect(ROOT), 'BACKUP INTO $1 WITH detached', [uri]);
    await f.double.whenJobsSettled();
  });
  afterAll(async () => {
    await f.close();
  });

  test('list a full backup taken by root for a user that cannot see root\'s job', async () => {
    const operator = await f.connect(OPERATOR);
    expect((await operator.query('SHOW JOB $1', [rootJob])).rows).toEqual([]);
    expect((await operator.query('SHOW BACKUPS IN $1', [uri])).rows).toEqual([{ path: expect.stringMatching(/^\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}$/) }]);
    const layers = (await operator.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows;
    // One layer: every object row is the full backup's.
    expect(new Set(layers.map((row) => `${row.backup_type}:${String(row.start_time)}`))).toEqual(new Set(['full:null']));
  });

  test('need no system privilege with explicit keys', async () => {
    const viewer = await f.connect(VIEWER);
    expect((await viewer.query('SHOW BACKUPS IN $1', [uri])).rows).toHaveLength(1);
    expect((await viewer.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows).toContainEqual(expect.objectContaining({ object_name: 'kv', object_type: 'table' }));
  });
});
