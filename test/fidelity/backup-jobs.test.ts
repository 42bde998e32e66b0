import { CockroachDouble } from '../support/cockroach-double';
import { BUCKET, Fixture, KEY, OTHER_KEY, ROOT, jobRow, s3Uri, startFixture, submit } from '../support/helpers/fixture';

/**
 * DETACHED only creates the job; the job resolves the destination and reports every
 * problem with the collection in its own error (docs/cockroachdb-behaviour.md section 1).
 */
describe('backup jobs and their destination', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });
  afterEach(async () => {
    f.double.setGcThresholdExceeded(false);
    await f.double.whenJobsSettled();
  });

  async function settledJob(jobId: string): Promise<{ status: string; error: string; description: string }> {
    await f.double.whenJobsSettled();
    return jobRow(await f.connect(ROOT), jobId);
  }

  test('writes a full backup at <prefix>/<yyyy>/<mm>/<dd>-<hhmmss.ff>/ with the LATEST pointer', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached, revision_history`, [s3Uri(f.s3.endpoint, 'layout/full')]);
    expect((await settledJob(jobId)).status).toBe('succeeded');
    const keys = await f.s3.listKeys(BUCKET, 'layout/full/');
    const subdir = /^layout\/full\/(\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2})\/BACKUP_MANIFEST$/.exec(keys.find((k) => k.endsWith('/BACKUP_MANIFEST')) ?? '')?.[1];
    expect(subdir).toBeDefined();
    const metadata = [`layout/full/${subdir}/BACKUP-STATISTICS`, `layout/full/${subdir}/BACKUP_MANIFEST`, `layout/full/${subdir}/BACKUP_MANIFEST-CHECKSUM`];
    const layerKeys = keys.filter((k) => !k.includes('/metadata/'));
    expect(layerKeys.filter((k) => !k.includes('/data/'))).toEqual(metadata);
    // One SST per table: defaultdb.kv and the four system tables of the default cluster.
    expect(layerKeys.filter((k) => k.includes('/data/'))).toEqual(Array.from({ length: 5 }, () => expect.stringMatching(new RegExp(`^layout/full/${subdir}/data/\\d+\\.sst$`))));
    expect(keys.filter((k) => k.includes('/metadata/'))).toEqual([expect.stringMatching(/^layout\/full\/metadata\/latest\/LATEST-13[0-9a-f]+fffe$/)]);
  });

  test('writes an incremental at <prefix>/incrementals/<full subdir>/<yyyymmdd>/<hhmmss.ff>/', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'layout/incremental');
    await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached`, [uri]);
    await f.double.whenJobsSettled();
    const jobId = await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-5s' WITH detached`, [uri]);
    expect((await settledJob(jobId)).status).toBe('succeeded');
    const keys = await f.s3.listKeys(BUCKET, 'layout/incremental/incrementals/');
    expect(keys.filter((k) => k.endsWith('/BACKUP_MANIFEST'))).toEqual([
      expect.stringMatching(/^layout\/incremental\/incrementals\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\/\d{8}\/\d{6}\.\d{2}\/BACKUP_MANIFEST$/),
    ]);
  });

  test('fails an incremental on a collection without a full backup, in the job, not the statement', async () => {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, `BACKUP INTO LATEST IN $1 WITH detached`, [s3Uri(f.s3.endpoint, 'empty-collection')]);
    const job = await settledJob(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(
      'path does not contain a completed latest backup: LATEST file could not be read in base or metadata directory: ' +
        's3 object does not exist: NoSuchKey: The specified key does not exist.',
    );
  });

  test('fails an incremental whose AS OF SYSTEM TIME is not after the previous backup\'s end', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'as-of-order');
    await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '-5s' WITH detached`, [uri]);
    await f.double.whenJobsSettled();
    const job = await settledJob(await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-1m' WITH detached`, [uri]));
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      /^`AS OF SYSTEM TIME` \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? \+0000 UTC must be greater than the previous backup's end time of \d{4}-\d{2}-\d{2} [\d:.]+ \+0000 UTC\.$/,
    );
  });

  // cmd_export.go checks every export with a start time: revision_history makes no difference.
  test.each([
    ['with revision_history', ', revision_history'],
    ['without revision_history', ''],
  ])('fails an incremental %s on the GC threshold when the gap outlived gc.ttlseconds', async (_label, options) => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, `gc-threshold-${options === '' ? 'plain' : 'revisions'}`);
    await submit(client, `BACKUP INTO $1 WITH detached${options}`, [uri]);
    await f.double.whenJobsSettled();
    f.double.setGcThresholdExceeded(true);
    const job = await settledJob(await submit(client, `BACKUP INTO LATEST IN $1 WITH detached${options}`, [uri]));
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/^start timestamp \d+\.\d{9},0 must be after replica GC threshold \d+\.\d{9},0$/);
  });

  test('does not apply the GC threshold to a new full backup', async () => {
    const client = await f.connect(ROOT);
    f.double.setGcThresholdExceeded(true);
    const job = await settledJob(await submit(client, `BACKUP INTO $1 WITH detached, revision_history`, [s3Uri(f.s3.endpoint, 'gc-full')]));
    expect(job.status).toBe('succeeded');
  });

  test('fails a backup whose destination another backup is writing (checkpoint present)', async () => {
    const client = await f.connect(ROOT);
    const uri = s3Uri(f.s3.endpoint, 'concurrent');
    // Same AS OF SYSTEM TIME, same subdirectory: the second job finds the first one's checkpoint.
    f.double.scriptNextJob({ outcome: 'running' });
    const asOf = new Date(Date.now() - 60000).toISOString().replace('T', ' ').replace('Z', '');
    const first = await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '${asOf}' WITH detached`, [uri]);
    for (let i = 0; i < 100 && !(await f.s3.listKeys(BUCKET, 'concurrent/')).some((k) => k.includes('BACKUP-CHECKPOINT')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = await settledJob(await submit(client, `BACKUP INTO $1 AS OF SYSTEM TIME '${asOf}' WITH detached`, [uri]));
    expect(second.status).toBe('failed');
    expect(second.error).toMatch(/^s3:\/\/backups\/concurrent\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\?.*redacted already contains a BACKUP-CHECKPOINT file \(is another operation already in progress\?\)$/);
    await client.query('CANCEL JOB $1', [first]);
  });

  test('fails the job, with S3\'s SignatureDoesNotMatch inside, when the secret key is wrong', async () => {
    const client = await f.connect(ROOT);
    const wrong = { accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong/secret+key0000000000000000000000000' };
    const job = await settledJob(await submit(client, `BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'wrong-secret', wrong)]));
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(
      /^s3:\/\/backups\/wrong-secret\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}\?.*redacted returned an unexpected error when checking for the existence of BACKUP_MANIFEST file: failed to get s3 object: SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided\. Check your key and signing method\.\n\tstatus code: 403, request id: /,
    );
    expect(job.error).not.toContain('wrong/secret');
    expect(await f.s3.listKeys(BUCKET, 'wrong-secret/')).toEqual([]);
  });

  test('fails the job with AccessDenied when the key may not write the bucket', async () => {
    const client = await f.connect(ROOT);
    const job = await settledJob(await submit(client, `BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'denied', OTHER_KEY)]));
    expect(job.status).toBe('failed');
    expect(job.error).toContain('AccessDenied: Access Denied');
  });

  test('starts a DETACHED backup created in a transaction only after COMMIT', async () => {
    const client = await f.connect(ROOT);
    await client.query('BEGIN');
    const jobId = await submit(client, `BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'after-commit')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await jobRow(client, jobId)).status).toBe('pending');
    expect(await f.s3.listKeys(BUCKET, 'after-commit/')).toEqual([]);
    await client.query('COMMIT');
    expect((await settledJob(jobId)).status).toBe('succeeded');
  });

  test('forgets a DETACHED backup whose transaction rolled back', async () => {
    const client = await f.connect(ROOT);
    await client.query('BEGIN');
    const jobId = await submit(client, `BACKUP INTO $1 WITH detached`, [s3Uri(f.s3.endpoint, 'rolled-back')]);
    await client.query('ROLLBACK');
    expect(f.double.jobs().map((job) => job.jobId)).not.toContain(jobId);
  });
});

describe('a cluster restored from a backup (a new cluster ID)', () => {
  test('setting clusterId on a running double (a restore in place) fails the next incremental', async () => {
    const f = await startFixture();
    try {
      const client = await f.connect(ROOT);
      const uri = s3Uri(f.s3.endpoint, 'restored-in-place');
      await submit(client, `BACKUP INTO $1 WITH detached`, [uri]);
      await f.double.whenJobsSettled();
      const before = f.double.clusterId;
      f.double.clusterId = '33333333-3333-4333-8333-333333333333';
      const jobId = await submit(client, `BACKUP INTO LATEST IN $1 WITH detached`, [uri]);
      await f.double.whenJobsSettled();
      expect(await jobRow(client, jobId)).toMatchObject({ status: 'failed', error: `previous BACKUP belongs to cluster ${before}` });
    } finally {
      await f.close();
    }
  });

  test('fails an incremental on a collection written by the old cluster with "previous BACKUP belongs to cluster"', async () => {
    const f = await startFixture({ clusterId: '11111111-1111-4111-8111-111111111111' });
    const restored = await CockroachDouble.start({ clusterId: '22222222-2222-4222-8222-222222222222', users: [ROOT] });
    try {
      const uri = s3Uri(f.s3.endpoint, 'restored');
      await submit(await f.connect(ROOT), `BACKUP INTO $1 WITH detached`, [uri]);
      await f.double.whenJobsSettled();
      const { Client } = await import('pg');
      const client = new Client({ host: restored.host, port: restored.port, user: 'root', password: ROOT.password, ssl: { ca: restored.caCertificate } });
      await client.connect();
      try {
        const incremental = await submit(client, `BACKUP INTO LATEST IN $1 WITH detached`, [uri]);
        await restored.whenJobsSettled();
        expect(await jobRow(client, incremental)).toMatchObject({ status: 'failed', error: 'previous BACKUP belongs to cluster 11111111-1111-4111-8111-111111111111' });
        // A new full backup is the cure: it starts a new chain.
        const full = await submit(client, `BACKUP INTO $1 WITH detached`, [uri]);
        await restored.whenJobsSettled();
        expect((await jobRow(client, full)).status).toBe('succeeded');
      } finally {
        await client.end();
      }
    } finally {
      await restored.stop();
      await f.close();
    }
  });
});
