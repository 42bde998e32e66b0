import { LifecycleBucket } from '../../support/storage/lifecycle-bucket';

/** The lifecycle model the retention simulation ages a year of backups with behaves as S3's lifecycle does. */

const DAY = 24 * 3600 * 1000;
const at = (day: number, hour = 0) => new Date(Date.UTC(2026, 0, 1) + day * DAY + hour * 3600 * 1000);

function runDays(bucket: LifecycleBucket, from: number, to: number): void {
  for (let day = from; day <= to; day++) bucket.runLifecycle(at(day));
}

describe('LifecycleBucket', () => {
  test('expires a current version at the first midnight UTC after it reached the age, never before', () => {
    const bucket = new LifecycleBucket([{ Id: 'Expire', Status: 'Enabled', Prefix: 'c1/', ExpirationInDays: 2 }]);
    bucket.put('c1/a', 10, at(0, 10));
    runDays(bucket, 1, 2);
    expect(bucket.current('c1/a')).toBeDefined();
    runDays(bucket, 3, 3);
    expect(bucket.current('c1/a')).toBeUndefined();
  });

  test('expiry in a versioned bucket leaves a noncurrent version, billed until NoncurrentVersionExpiration removes it', () => {
    const bucket = new LifecycleBucket([
      { Id: 'Noncurrent', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { Id: 'Expire', Status: 'Enabled', Prefix: 'c1/', ExpirationInDays: 1 },
      { Id: 'Markers', Status: 'Enabled', Prefix: 'c1/', ExpiredObjectDeleteMarker: true },
    ]);
    bucket.put('c1/a', 10, at(0, 1));
    runDays(bucket, 1, 2);
    expect(bucket.usage('c1/', at(2))).toMatchObject({ versions: 1, bytes: 10 });
    expect(bucket.list('c1/')).toEqual([]);
    runDays(bucket, 3, 4);
    expect(bucket.usage('c1/', at(4))).toMatchObject({ versions: 0, bytes: 0 });
  });

  test("a rule's prefix is a plain string prefix: c1 reaches c10, c1/ does not", () => {
    const bucket = new LifecycleBucket([{ Id: 'Expire', Status: 'Enabled', Prefix: 'c1/', ExpirationInDays: 1 }]);
    bucket.put('c1/a', 1, at(0));
    bucket.put('c10/a', 1, at(0));
    runDays(bucket, 1, 3);
    expect([bucket.current('c1/a'), bucket.current('c10/a')].map((v) => v !== undefined)).toEqual([false, true]);
    const loose = new LifecycleBucket([{ Id: 'Expire', Status: 'Enabled', Prefix: 'c1', ExpirationInDays: 1 }]);
    loose.put('c10/a', 1, at(0));
    runDays(loose, 1, 3);
    expect(loose.current('c10/a')).toBeUndefined();
  });

  test('transitions change the storage class; archive classes are not readable by GetObject', () => {
    const bucket = new LifecycleBucket([{ Id: 'Move', Status: 'Enabled', Transitions: [{ StorageClass: 'GLACIER', TransitionInDays: 1 }] }]);
    bucket.put('a', 1, at(0));
    expect(bucket.readable('a')).toBe(true);
    runDays(bucket, 1, 2);
    expect([bucket.current('a')?.storageClass, bucket.readable('a')]).toEqual(['GLACIER', false]);
  });

  test('aborts incomplete multipart uploads after DaysAfterInitiation', () => {
    const bucket = new LifecycleBucket([{ Id: 'Abort', Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }]);
    bucket.startUpload('c1/x.sst', 100, at(0, 5));
    runDays(bucket, 1, 7);
    expect(bucket.usage('', at(7)).bytes).toBe(100);
    runDays(bucket, 8, 8);
    expect(bucket.usage('', at(8)).bytes).toBe(0);
  });

  test('refuses a rule with a field it does not model, rather than ignoring it', () => {
    expect(() => new LifecycleBucket([{ Id: 'X', Status: 'Enabled', ...{ NoncurrentVersionTransitions: [] } }])).toThrow('lifecycle rule X: NoncurrentVersionTransitions not modelled');
  });
});
