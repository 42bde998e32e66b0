import { ENV } from '../../../contract/environment';
import { ObjectLockProxy, startObjectLockProxy } from '../../support/aws/object-lock';
import { BACKUP_USER, BUCKET, COLLECTION, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

/**
 * The Lambda's whole procedure (observe, decide, submit, verify) against a collection in
 * a bucket with S3 Object Lock in COMPLIANCE mode, as `bucketOptions.objectLock` creates
 * it: the lock refuses uploads without Content-MD5 and deletes of locked versions as S3
 * does (test/support/aws/object-lock.ts).
 */
let harness: Harness;
let lock: ObjectLockProxy;

beforeEach(async () => {
  harness = await Harness.start();
  lock = await startObjectLockProxy({ upstream: harness.s3.endpoint, bucket: BUCKET, mode: 'COMPLIANCE', retentionDays: 35 });
  harness.lambda.setEnvironment({ [ENV.s3Endpoint]: lock.endpoint });
  // The lock is an S3-compatible endpoint in the URI (AWS_ENDPOINT): CockroachDB counts that
  // as implicit access, which a non-admin needs EXTERNALIOIMPLICITACCESS for (README, prerequisites).
  harness.double.grant(BACKUP_USER.name, 'EXTERNALIOIMPLICITACCESS');
});

afterEach(async () => {
  await lock.stop();
  await harness.stop();
});

test('full and incremental backups run, chain and restart through the handler in a locked collection', async () => {
  const runs = [];
  for (const kind of ['incremental', 'incremental', 'incremental', 'full', 'incremental'] as const) {
    const result = await harness.lambda.run(kind);
    guard.inspect(result);
    runs.push([result.kind, result.status, result.chainLength]);
  }
  expect(runs).toEqual([
    ['full', 'succeeded', 0],
    ['incremental', 'succeeded', 1],
    ['incremental', 'succeeded', 2],
    ['full', 'succeeded', 0],
    ['incremental', 'succeeded', 1],
  ]);
  // Every file went through the lock, and none was written twice.
  const keys = lock.keys().filter((k) => k.startsWith(`${COLLECTION}/`));
  expect(keys.filter((k) => k.endsWith('/BACKUP_MANIFEST'))).toHaveLength(5);
  for (const key of keys) expect({ key, written: lock.versions(key).filter((v) => !v.deleteMarker).length }).toEqual({ key, written: 1 });
});
