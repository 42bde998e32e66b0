import { Client } from 'pg';
import { SUPPORTED_VERSIONS } from '../support/cockroach-double';
import { BUCKET, Fixture, KEY, ROOT, awsS3Uri, s3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { RESTORE_FILE_ERRORS } from '../support/jobs/restore-work';
import { StoredCollection, damageDataFile } from '../support/storage-faults';

const RESTORER = { name: 'restorer', password: 'restorer-password', systemPrivileges: ['RESTORE'] } as const;
const CREATOR = { name: 'creator', password: 'creator-password', systemPrivileges: ['CREATEDB'] } as const;
const NOBODY = { name: 'nobody', password: 'nobody-password' } as const;
const MOVR = [{ name: 'movr', tables: ['users', 'rides'] }];

const DRILL = (uri: string, name: string, extra = ''): [string, string[]] => [
  `RESTORE DATABASE movr FROM LATEST IN $1${extra} WITH schema_only, verify_backup_table_data, new_db_name = '${name}', DETACHED`,
  [uri],
];

interface Chain {
  readonly uri: string;
  readonly collection: StoredCollection;
  /** End times of the layers, oldest first, from SHOW BACKUP. */
  readonly ends: readonly Date[];
}

/** A full backup and `incrementals` incrementals, 10 s apart, ending 10 s ago. */
async function backupChain(f: Fixture, prefix: string, incrementals: number, revisionHistory = false): Promise<Chain> {
  const client = await f.connect(ROOT);
  // Without AWS_ENDPOINT: a non-admin may use it with the RESTORE privilege alone.
  const uri = awsS3Uri(prefix);
  const options = revisionHistory ? 'detached, revision_history' : 'detached';
  await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-${10 * (incrementals + 1)}s' WITH ${options}`, [uri]);
  await f.double.whenJobsSettled();
  for (let i = incrementals; i >= 1; i--) {
    await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-${10 * i}s' WITH ${options}`, [uri]);
    await f.double.whenJobsSettled();
  }
  const rows = (await client.query<{ end_time: Date }>('SHOW BACKUP FROM LATEST IN $1', [uri])).rows;
  const ends = [...new Set(rows.map((row) => row.end_time.getTime()))].sort((a, b) => a - b).map((ms) => new Date(ms));
  return { uri, collection: { endpoint: f.s3.endpoint, bucket: BUCKET, prefix, credentials: KEY }, ends };
}

/**
 * A layer's exact end as a decimal HLC: a RESTORE as of SHOW BACKUP's time (microseconds) is
 * refused, and the refusal quotes the covering layer's end to the nanosecond (Go's time
 * format, the last time in the message); its logical part is not shown, so `logical` says it.
 */
async function exactEnd(client: Client, uri: string, shown: Date, logical = 0): Promise<string> {
  const error = await sqlError(client.query(...DRILL(uri, 'probe', ` AS OF SYSTEM TIME '${literal(shown)}'`)));
  const times = [...error.message.matchAll(/(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,9}))? \+0000 UTC/g)];
  const [, clock, fraction = ''] = times[times.length - 1];
  return `${BigInt(Date.parse(`${clock.replace(' ', 'T')}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'))}.${String(logical).padStart(10, '0')}`;
}

async function finished(f: Fixture, client: Client, jobId: string): Promise<{ status: string; error: string; job_type: string; description: string }> {
  await f.double.whenJobsSettled();
  const rows = (await client.query('SHOW JOB $1', [jobId])).rows;
  return rows[0];
}

/** 'YYYY-MM-DD HH:MM:SS.mmm000+00:00', as lambda/backup/drill/restore-statement.ts writes AS OF SYSTEM TIME. */
const literal = (at: Date): string => `${at.toISOString().replace('T', ' ').replace('Z', '')}000+00:00`;

describe('RESTORE ... WITH schema_only, verify_backup_table_data, new_db_name, DETACHED', () => {
  let f: Fixture;
  let chain: Chain;
  beforeAll(async () => {
    f = await startFixture({ databases: MOVR, jobDurationMs: 5 });
    f.double.addUser(RESTORER);
    chain = await backupChain(f, 'restore/drill', 2);
  });
  afterAll(async () => {
    await f.close();
  });

  test('returns the job id at once, as an INT8 string', async () => {
    const client = await f.connect(RESTORER);
    const result = await client.query(...DRILL(chain.uri, 'drill_id'));
    expect(result.fields).toEqual([expect.objectContaining({ name: 'job_id', dataTypeID: 20 })]);
    expect(result.rows[0].job_id).toMatch(/^\d{18,}$/);
    await f.double.whenJobsSettled();
  });

  test('runs a RESTORE job that succeeds and creates the database under the new name, owned by the restoring user', async () => {
    const client = await f.connect(RESTORER);
    const jobId = await submit(client, ...DRILL(chain.uri, 'drill_ok'));
    const job = await finished(f, client, jobId);
    expect([job.job_type, job.status, job.error]).toEqual(['RESTORE', 'succeeded', '']);
    expect(f.double.databases().find((d) => d.name === 'drill_ok')).toEqual({ name: 'drill_ok', owner: 'restorer', tables: ['users', 'rides'] });
    const listed = (await client.query('SHOW DATABASES')).rows.map((row) => row.database_name);
    expect(listed).toContain('drill_ok');
  });

  test("describes the job with the resolved subdirectory, the key redacted and CockroachDB's option order", async () => {
    const client = await f.connect(RESTORER);
    const jobId = await submit(client, ...DRILL(chain.uri, 'drill_description'));
    const job = await finished(f, client, jobId);
    expect(job.description).toMatch(
      /^RESTORE DATABASE movr FROM '\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}' IN 's3:\/\/backups\/restore\/drill\?AWS_ACCESS_KEY_ID=AKIADOUBLETEST000001&AWS_REGION=us-east-1&AWS_SECRET_ACCESS_KEY=redacted' WITH OPTIONS \(detached, new_db_name = 'drill_description', schema_only, verify_backup_table_data\)$/,
    );
    expect(job.description).not.toContain(KEY.secretAccessKey);
  });

  test('SHOW JOB WHEN COMPLETE waits for the restore job', async () => {
    const client = await f.connect(RESTORER);
    const jobId = await submit(client, ...DRILL(chain.uri, 'drill_wait'));
    const rows = (await client.query('SHOW JOB WHEN COMPLETE $1', [jobId])).rows;
    expect(rows.map((row) => [row.job_type, row.status])).toEqual([['RESTORE', 'succeeded']]);
  });

  test('SHOW JOBS ... WHERE job_type = \'BACKUP\' leaves restore jobs out', async () => {
    const client = await f.connect(RESTORER);
    const jobId = await submit(client, ...DRILL(chain.uri, 'drill_filtered'));
    await f.double.whenJobsSettled();
    const backups = (await client.query("SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'")).rows.map((row) => row.job_id);
    expect(backups).not.toContain(jobId);
  });

  test('restores from a named full backup subdirectory, as SHOW BACKUPS lists it', async () => {
    const client = await f.connect(RESTORER);
    const [subdir] = (await client.query<{ path: string }>('SHOW BACKUPS IN $1', [chain.uri])).rows.map((row) => row.path);
    const jobId = await submit(client, "RESTORE DATABASE movr FROM $1 IN $2 WITH schema_only, verify_backup_table_data, new_db_name = 'drill_subdir', DETACHED", [subdir, chain.uri]);
    const job = await finished(f, client, jobId);
    expect(job.status).toBe('succeeded');
    expect(job.description).toContain(`FROM '${subdir}' IN`);
  });

  test('refuses a database name that exists, as a statement error', async () => {
    const client = await f.connect(RESTORER);
    const error = await sqlError(client.query('RESTORE DATABASE movr FROM LATEST IN $1 WITH schema_only, DETACHED', [chain.uri]));
    expect([error.code, error.message]).toEqual(['XXUUU', 'database "movr" already exists']);
  });

  test('refuses a name a running restore is creating', async () => {
    f.double.scriptNextJob({ outcome: 'running', jobType: 'RESTORE' });
    const client = await f.connect(ROOT);
    const running = await submit(client, ...DRILL(chain.uri, 'drill_busy'));
    const error = await sqlError(client.query(...DRILL(chain.uri, 'drill_busy')));
    expect(error.message).toBe('database "drill_busy" already exists');
    await client.query('CANCEL JOB $1', [running]);
    await f.double.whenJobsSettled();
    expect(f.double.databases().map((d) => d.name)).not.toContain('drill_busy');
  });

  test('refuses verify_backup_table_data without schema_only', async () => {
    const client = await f.connect(RESTORER);
    const error = await sqlError(client.query('RESTORE DATABASE movr FROM LATEST IN $1 WITH verify_backup_table_data, DETACHED', [chain.uri]));
    expect([error.code, error.message]).toEqual(['XXUUU', 'to set the verify_backup_table_data option, the schema_only option must be set']);
  });

  test('refuses new_db_name with more than one database', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query("RESTORE DATABASE movr, defaultdb FROM LATEST IN $1 WITH schema_only, new_db_name = 'x', DETACHED", [chain.uri]));
    expect(error.message).toBe('new_db_name can only be used for RESTORE DATABASE with a single target database');
  });

  test('refuses a database the backup does not hold', async () => {
    const client = await f.connect(RESTORER);
    const error = await sqlError(client.query('RESTORE DATABASE "Nope" FROM LATEST IN $1 WITH schema_only, DETACHED', [chain.uri]));
    expect(error.message).toBe(
      'failed to resolve targets in the BACKUP location specified by the RESTORE statement, use SHOW BACKUP to find correct targets: database "Nope" does not exist',
    );
  });

  test('refuses a collection without a completed backup with "path does not contain a completed latest backup" (58P01)', async () => {
    const client = await f.connect(RESTORER);
    const error = await sqlError(client.query(...DRILL(awsS3Uri('restore/empty'), 'drill_empty')));
    expect(error.code).toBe('58P01');
    expect(error.message).toMatch(/^path does not contain a completed latest backup/);
  });

  test('without DETACHED inside a transaction it is refused', async () => {
    const client = await f.connect(RESTORER);
    await client.query('BEGIN');
    const error = await sqlError(client.query("RESTORE DATABASE movr FROM LATEST IN $1 WITH schema_only, new_db_name = 'drill_txn'", [chain.uri]));
    await client.query('ROLLBACK');
    expect(error.message).toBe('RESTORE cannot be used inside a multi-statement transaction without DETACHED option');
  });
});

describe('RESTORE AS OF SYSTEM TIME inside the chain', () => {
  let f: Fixture;
  let plain: Chain;
  let history: Chain;
  beforeAll(async () => {
    f = await startFixture({ databases: MOVR, jobDurationMs: 5 });
    plain = await backupChain(f, 'restore/asof-plain', 2);
    history = await backupChain(f, 'restore/asof-history', 2, true);
  });
  afterAll(async () => {
    await f.close();
  });

  test("refuses SHOW BACKUP's time of a layer without revision history, quoting the exact end, and takes that end as a decimal", async () => {
    const client = await f.connect(ROOT);
    // SHOW BACKUP prints microseconds; the layer ended at a time with nanoseconds (hlc.ts).
    const error = await sqlError(client.query(...DRILL(plain.uri, 'asof_shown', ` AS OF SYSTEM TIME '${literal(plain.ends[1])}'`)));
    expect(error.message).toMatch(/nearest BACKUP times are \d{4}-\d{2}-\d{2} [\d:]+\.\d{9} \+0000 UTC or \d{4}-\d{2}-\d{2} [\d:]+\.\d{9} \+0000 UTC$/);
    const decimal = await exactEnd(client, plain.uri, plain.ends[1]);
    expect(decimal).toMatch(/^\d{19}\.0000000000$/);
    const jobId = await submit(client, ...DRILL(plain.uri, 'asof_end', ` AS OF SYSTEM TIME '${decimal}'`));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('a layer taken without AS OF SYSTEM TIME ends with a logical part that its quoted wall time does not name; RESTORE without a time reaches it', async () => {
    const client = await f.connect(ROOT);
    const uri = awsS3Uri('restore/asof-logical');
    await submit(client, 'BACKUP INTO $1 WITH detached', [uri]);
    await f.double.whenJobsSettled();
    const [row] = (await client.query<{ end_time: Date }>('SHOW BACKUP FROM LATEST IN $1', [uri])).rows;
    const wallOnly = await exactEnd(client, uri, row.end_time);
    const error = await sqlError(client.query(...DRILL(uri, 'asof_logical', ` AS OF SYSTEM TIME '${wallOnly}'`)));
    expect(error.message).toMatch(/^invalid RESTORE timestamp: restoring to arbitrary time requires/);
    const jobId = await submit(client, ...DRILL(uri, 'asof_logical'));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('reads only the layers up to that time: a damaged newer layer does not fail it', async () => {
    const chain = await backupChain(f, 'restore/asof-partial', 2);
    await damageDataFile(chain.collection, 'delete', { layer: 'newest', table: 'movr.users' });
    const client = await f.connect(ROOT);
    const older = await submit(client, ...DRILL(chain.uri, 'asof_older', ` AS OF SYSTEM TIME '${await exactEnd(client, chain.uri, chain.ends[1])}'`));
    expect((await finished(f, client, older)).status).toBe('succeeded');
    const newest = await submit(client, ...DRILL(chain.uri, 'asof_newest'));
    expect((await finished(f, client, newest)).status).toBe('failed');
  });

  test('refuses a time between two layers without revision history, naming both', async () => {
    const client = await f.connect(ROOT);
    const between = new Date((plain.ends[1].getTime() + plain.ends[2].getTime()) / 2);
    const error = await sqlError(client.query(...DRILL(plain.uri, 'asof_between', ` AS OF SYSTEM TIME '${literal(between)}'`)));
    expect(error.code).toBe('XXUUU');
    expect(error.message).toMatch(
      /^invalid RESTORE timestamp: restoring to arbitrary time requires that BACKUP for requested time be created with 'revision_history' option\. nearest BACKUP times are \d{4}-\d{2}-\d{2} [\d:.]+ \+0000 UTC or \d{4}-\d{2}-\d{2} [\d:.]+ \+0000 UTC$/,
    );
  });

  test('refuses a time before the full backup without revision history, naming its end', async () => {
    const client = await f.connect(ROOT);
    const before = new Date(plain.ends[0].getTime() - 1000);
    const error = await sqlError(client.query(...DRILL(plain.uri, 'asof_before', ` AS OF SYSTEM TIME '${literal(before)}'`)));
    expect(error.message).toMatch(/revision_history' option\. nearest backup time is \d{4}-\d{2}-\d{2} [\d:.]+ \+0000 UTC$/);
  });

  test('refuses a time after the newest layer', async () => {
    const client = await f.connect(ROOT);
    const after = new Date(plain.ends[2].getTime() + 2000);
    const error = await sqlError(client.query(...DRILL(plain.uri, 'asof_after', ` AS OF SYSTEM TIME '${literal(after)}'`)));
    expect(error.message).toBe('invalid RESTORE timestamp: supplied backups do not cover requested time');
  });

  test('restores the midpoint of a chain with revision history', async () => {
    const client = await f.connect(ROOT);
    const midpoint = new Date((history.ends[0].getTime() + history.ends[2].getTime()) / 2 + 3);
    const jobId = await submit(client, ...DRILL(history.uri, 'asof_midpoint', ` AS OF SYSTEM TIME '${literal(midpoint)}'`));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('a full backup with revision history covers only its GC window', async () => {
    const client = await f.connect(ROOT);
    const early = new Date(history.ends[0].getTime() - 5 * 3600 * 1000);
    const error = await sqlError(client.query(...DRILL(history.uri, 'asof_early', ` AS OF SYSTEM TIME '${literal(early)}'`)));
    expect(error.message).toMatch(/^invalid RESTORE timestamp: BACKUP for requested time only has revision history from /);
  });
});

describe('RESTORE reads every data file it needs', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ databases: MOVR, jobDurationMs: 5 });
  });
  afterAll(async () => {
    await f.close();
  });

  test.each(['delete', 'truncate', 'corrupt'] as const)('a %sd SST fails the verify job and leaves no database behind', async (damage) => {
    const chain = await backupChain(f, `restore/damaged-${damage}`, 1);
    await damageDataFile(chain.collection, damage, { layer: 'full', table: 'movr.rides' });
    const client = await f.connect(ROOT);
    const jobId = await submit(client, ...DRILL(chain.uri, `damaged_${damage}`));
    const job = await finished(f, client, jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(damage === 'delete' ? RESTORE_FILE_ERRORS.missing : RESTORE_FILE_ERRORS.corrupt(damage === 'truncate' ? 512 : 1024));
    expect(f.double.databases().map((d) => d.name)).not.toContain(`damaged_${damage}`);
  });

  test('schema_only alone reads no data file: it succeeds despite a deleted SST', async () => {
    const chain = await backupChain(f, 'restore/schema-only', 0);
    await damageDataFile(chain.collection, 'delete', { table: 'movr.users' });
    const client = await f.connect(ROOT);
    const jobId = await submit(client, "RESTORE DATABASE movr FROM LATEST IN $1 WITH schema_only, new_db_name = 'schema_only', DETACHED", [chain.uri]);
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('a damaged file of another database does not fail a database restore', async () => {
    const chain = await backupChain(f, 'restore/other-db', 0);
    await damageDataFile(chain.collection, 'delete', { table: 'system.users' });
    const client = await f.connect(ROOT);
    const jobId = await submit(client, ...DRILL(chain.uri, 'other_db'));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('a scripted fate applies to the next RESTORE job, not to a backup taken before it', async () => {
    const chain = await backupChain(f, 'restore/scripted', 0);
    f.double.scriptNextJob({ outcome: 'failed', error: 'scripted restore failure', jobType: 'RESTORE' });
    const client = await f.connect(ROOT);
    const backup = await submit(client, 'BACKUP INTO LATEST IN $1 WITH detached', [chain.uri]);
    const restore = await submit(client, ...DRILL(chain.uri, 'scripted'));
    expect((await finished(f, client, backup)).status).toBe('succeeded');
    expect(await finished(f, client, restore)).toMatchObject({ status: 'failed', error: 'scripted restore failure' });
  });
});

describe('RESTORE privileges', () => {
  let f: Fixture;
  let chain: Chain;
  beforeAll(async () => {
    f = await startFixture({ databases: MOVR, jobDurationMs: 5 });
    for (const user of [RESTORER, CREATOR, NOBODY]) f.double.addUser(user);
    chain = await backupChain(f, 'restore/privileges', 0);
  });
  afterAll(async () => {
    await f.close();
  });

  test('a database restore without RESTORE or CREATEDB is refused with 42501 and the deprecation notice as hint', async () => {
    const client = await f.connect(NOBODY);
    const error = await sqlError(client.query(...DRILL(chain.uri, 'nobody')));
    expect([error.code, error.message]).toEqual(['42501', 'only users with the CREATEDB privilege can restore databases']);
    expect(error.hint).toMatch(/RESTORE DATABASE, user nobody will exclusively require the RESTORE system privilege\.$/);
  });

  test('CREATEDB still restores a database, with a deprecation notice', async () => {
    const client = await f.connect(CREATOR);
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    const jobId = await submit(client, ...DRILL(chain.uri, 'by_creator'));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
    expect(notices).toEqual([expect.stringMatching(/^The existing privileges are being deprecated .* RESTORE DATABASE, user creator will exclusively require the RESTORE system privilege\.$/)]);
  });

  test('GRANT SYSTEM RESTORE lets the user restore', async () => {
    const root = await f.connect(ROOT);
    f.double.addUser({ name: 'granted', password: 'granted-password' });
    await root.query('GRANT SYSTEM RESTORE TO granted');
    const client = await f.connect({ name: 'granted', password: 'granted-password' });
    const jobId = await submit(client, ...DRILL(chain.uri, 'by_granted'));
    expect((await finished(f, client, jobId)).status).toBe('succeeded');
  });

  test('a cluster restore without RESTORE is refused with the cluster-restore message', async () => {
    const client = await f.connect(CREATOR);
    const error = await sqlError(client.query('RESTORE FROM LATEST IN $1 WITH DETACHED', [chain.uri]));
    expect([error.code, error.message]).toEqual([
      '42501',
      'only users with the admin role or the RESTORE system privilege are allowed to perform a cluster restore: user creator does not have RESTORE system privilege',
    ]);
  });

  test('a URI with AWS_ENDPOINT needs EXTERNALIOIMPLICITACCESS, as for BACKUP', async () => {
    const client = await f.connect(RESTORER);
    const withEndpoint = s3Uri(f.s3.endpoint, 'restore/privileges');
    const error = await sqlError(client.query(...DRILL(withEndpoint, 'by_endpoint')));
    expect(error.code).toBe('42501');
    expect(error.message).toMatch(/EXTERNALIOIMPLICITACCESS/);
  });

  test('a cluster restore into a cluster with user tables is refused, naming them', async () => {
    const client = await f.connect(ROOT);
    const error = await sqlError(client.query('RESTORE FROM LATEST IN $1 WITH DETACHED', [chain.uri]));
    expect(error.message).toMatch(/^full cluster restore can only be run on a cluster with no tables or databases but found \d+ descriptors: movr, public, users, rides/);
  });
});

describe.each([SUPPORTED_VERSIONS[0], SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1]])('blocking RESTORE on %s', (version) => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ version, databases: MOVR, jobDurationMs: 5 });
  });
  afterAll(async () => {
    await f.close();
  });

  test('waits for the job and returns the columns of a blocking BACKUP of this version', async () => {
    const chain = await backupChain(f, `restore/blocking-${version}`, 0);
    const client = await f.connect(ROOT);
    const result = await client.query("RESTORE DATABASE movr FROM LATEST IN $1 WITH schema_only, new_db_name = 'blocking'", [chain.uri]);
    const expected = version === '23.1' ? ['job_id', 'status', 'fraction_completed', 'rows', 'index_entries', 'bytes'] : ['job_id', 'status', 'fraction_completed', 'rows'];
    expect(result.fields.map((field) => field.name)).toEqual(expected);
    expect(result.rows[0]).toMatchObject({ status: 'succeeded', rows: '0' });
    expect(f.double.databases().map((d) => d.name)).toContain('blocking');
  });
});
