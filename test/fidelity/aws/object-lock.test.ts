import { DeleteObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { BUCKET, Fixture, KEY, ROOT, jobRow, s3Uri, startFixture, submit } from '../../support/helpers/fixture';
import { ObjectLockMode, ObjectLockProxy, startObjectLockProxy } from '../../support/aws/object-lock';
import { localS3Client } from '../../support/storage/s3-client';

/**
 * BACKUP into a collection whose bucket has S3 Object Lock with a default retention, as
 * `bucketOptions.objectLock` creates it. What BACKUP writes, overwrites and deletes there
 * (storage/backup-layout.ts, storage/collection-store.ts): every data file, manifest,
 * checksum and statistics file once under a new date-named directory; a new
 * `metadata/latest/LATEST-<descending time>` file per full backup (a new key, never an
 * overwrite); and `progress/BACKUP-CHECKPOINT` while a backup runs, deleted at the end.
 */
const DAY_MS = 86_400_000;

async function s3Failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
    throw error;
  }
  throw new Error('expected the S3 request to fail');
}

describe.each<ObjectLockMode>(['COMPLIANCE', 'GOVERNANCE'])('a collection in a bucket with Object Lock in %s mode', (mode) => {
  let f: Fixture;
  let lock: ObjectLockProxy;
  let clock = new Date();
  // A key with every permission, as an administrator's or an attacker's would be.
  let admin: S3Client;
  const collection = `locked-${mode.toLowerCase()}/cluster-1`;
  let uri: string;

  beforeAll(async () => {
    f = await startFixture();
    lock = await startObjectLockProxy({ upstream: f.s3.endpoint, bucket: BUCKET, mode, retentionDays: 30, now: () => clock });
    admin = localS3Client({ ...KEY, region: 'us-east-1', endpoint: lock.endpoint });
    uri = s3Uri(lock.endpoint, collection);
  });
  afterAll(async () => {
    admin.destroy();
    await lock.stop();
    await f.close();
  });

  async function backup(statement: string): Promise<{ status: string; error: string }> {
    const client = await f.connect(ROOT);
    const jobId = await submit(client, statement, [uri]);
    await f.double.whenJobsSettled();
    return jobRow(client, jobId);
  }

  test('a full backup and two incrementals succeed, and SHOW BACKUP reads the chain', async () => {
    expect(await backup("BACKUP INTO $1 AS OF SYSTEM TIME '-30s' WITH detached, revision_history")).toMatchObject({ status: 'succeeded', error: '' });
    expect(await backup("BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-20s' WITH detached, revision_history")).toMatchObject({ status: 'succeeded' });
    expect(await backup("BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-10s' WITH detached, revision_history")).toMatchObject({ status: 'succeeded' });
    const client = await f.connect(ROOT);
    expect((await client.query('SHOW BACKUPS IN $1', [uri])).rows).toHaveLength(1);
    const layers = new Set((await client.query('SHOW BACKUP FROM LATEST IN $1', [uri])).rows.map((row) => String(row.end_time)));
    expect(layers.size).toBe(3);
  });

  test('every file BACKUP wrote is a locked version, none was overwritten, and only the checkpoints were deleted (by delete markers)', () => {
    const keys = lock.keys().filter((k) => k.startsWith(`${collection}/`));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const versions = lock.versions(key);
      const written = versions.filter((v) => !v.deleteMarker);
      expect({ key, written: written.length }).toEqual({ key, written: 1 });
      expect(written[0].retainUntil!.getTime()).toBeGreaterThan(clock.getTime() + 29 * DAY_MS);
      const deleted = versions.some((v) => v.deleteMarker);
      expect({ key, deleted }).toEqual({ key, deleted: key.endsWith('/progress/BACKUP-CHECKPOINT') });
    }
    // One LATEST file per full backup (incrementals extend the chain LATEST already names).
    expect(keys.filter((k) => k.includes('/metadata/latest/LATEST-'))).toHaveLength(1);
  });

  test('an upload without Content-MD5 or a checksum is refused, as S3 refuses it with a default retention', async () => {
    const failure = await s3Failure(admin.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${collection}/stray`, Body: 'x' })));
    expect(failure).toEqual({
      name: 'InvalidRequest',
      status: 400,
      message: 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
    });
  });

  test('deleting a backup file hides it behind a delete marker; its locked version stays and cannot be deleted', async () => {
    const manifest = lock.keys().find((k) => k.startsWith(`${collection}/`) && /\/\d{2}-\d{6}\.\d{2}\/BACKUP_MANIFEST$/.test(k))!;
    const [original] = lock.versions(manifest);
    await admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: manifest }));
    expect(lock.versions(manifest).map((v) => v.deleteMarker)).toEqual([false, true]);
    const failure = await s3Failure(admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: manifest, VersionId: original.versionId })));
    expect(failure).toMatchObject({ name: 'AccessDenied', status: 403, message: 'Access Denied because object protected by object lock.' });
    expect(lock.versions(manifest)[0]).toBe(original);
  });

  test(
    mode === 'GOVERNANCE'
      ? 'a version can be deleted before its retention ends only with the governance bypass'
      : 'no one can delete a version before its retention ends, not even with the governance bypass',
    async () => {
      const data = lock.keys().find((k) => k.startsWith(`${collection}/`) && /\/data\/\d+\.sst$/.test(k))!;
      const [version] = lock.versions(data);
      const bypass = new DeleteObjectCommand({ Bucket: BUCKET, Key: data, VersionId: version.versionId, BypassGovernanceRetention: true });
      if (mode === 'GOVERNANCE') {
        await admin.send(bypass);
        expect(lock.versions(data)).toEqual([]);
      } else {
        expect(await s3Failure(admin.send(bypass))).toMatchObject({ name: 'AccessDenied', status: 403 });
        expect(lock.versions(data)).toEqual([version]);
      }
    },
  );

  test('once the retention has passed, a version can be deleted (lifecycle expiry or a person)', async () => {
    const statistics = lock.keys().find((k) => k.startsWith(`${collection}/`) && k.endsWith('/BACKUP-STATISTICS'))!;
    const [version] = lock.versions(statistics);
    clock = new Date(clock.getTime() + 31 * DAY_MS);
    await admin.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: statistics, VersionId: version.versionId }));
    expect(lock.versions(statistics)).toEqual([]);
  });
});
