import { App, Stack, Stage } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CockroachBackup, CockroachBackupProps } from '../../../lib';
import { collectionsOverlap } from '../../../lib/storage/collection-overlap';
import { appWithoutBundling } from '../fixtures';

/** Builds two CockroachBackups; returns the second one's error, or undefined when both were created. */
function secondError(
  first: (stack: Stack) => CockroachBackupProps,
  second: (stack: Stack, firstBackup: CockroachBackup) => CockroachBackupProps,
  secondStack?: (app: App) => Stack,
): string | undefined {
  const app = appWithoutBundling();
  const stack = new Stack(app, 'Stack');
  const a = new CockroachBackup(stack, 'ClusterA', first(stack));
  try {
    const target = secondStack === undefined ? stack : secondStack(app);
    new CockroachBackup(target, 'ClusterB', second(target, a));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

describe('collections in the same bucket', () => {
  test('fails if two constructs share the bucket construct and the collection, naming both paths', () => {
    const error = secondError(
      () => ({ collection: 'prod/cluster-1' }),
      (_stack, a) => ({ collection: 'prod/cluster-1', bucket: a.bucket }),
    );
    expect(error).toContain('Stack/ClusterB: collection is "prod/cluster-1", the same collection as "prod/cluster-1" of Stack/ClusterA');
  });

  test('fails if one collection is a path prefix of the other', () => {
    const error = secondError(
      () => ({ collection: 'c/d' }),
      (_stack, a) => ({ collection: 'c', bucket: a.bucket }),
    );
    expect(error).toContain('Stack/ClusterB: collection is "c", a collection nested with "c/d" of Stack/ClusterA');
  });

  test('fails if the other is nested inside the first', () => {
    const error = secondError(
      () => ({ collection: 'c' }),
      (_stack, a) => ({ collection: 'c/d/e', bucket: a.bucket }),
    );
    expect(error).toMatch(/Stack\/ClusterB: collection is "c\/d\/e", a collection nested with "c" of Stack\/ClusterA/);
  });

  test('accepts sibling collections that only share characters (c and cd)', () => {
    expect(secondError(() => ({ collection: 'c' }), (_stack, a) => ({ collection: 'cd', bucket: a.bucket }))).toBeUndefined();
  });

  test('accepts sibling collections below a common folder (prod/a and prod/b)', () => {
    expect(secondError(() => ({ collection: 'prod/a' }), (_stack, a) => ({ collection: 'prod/b', bucket: a.bucket }))).toBeUndefined();
  });

  test('fails if two imports name the same bucket, even from different stacks', () => {
    const error = secondError(
      (stack) => ({ collection: 'c', bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'backups-eu') }),
      (stack) => ({ collection: 'c', bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'backups-eu') }),
      (app) => new Stack(app, 'OtherStack'),
    );
    expect(error).toContain('OtherStack/ClusterB: collection is "c", the same collection as "c" of Stack/ClusterA in the same bucket (backups-eu)');
  });

  test('fails if a new bucket with a given name is imported by name elsewhere in the app, also in another stage', () => {
    const error = secondError(
      () => ({ collection: 'c', bucketOptions: { bucketName: 'backups-eu' } }),
      (stack) => ({ collection: 'c/d', bucket: s3.Bucket.fromBucketName(stack, 'Imported', 'backups-eu') }),
      (app) => new Stack(new Stage(app, 'Prod'), 'Stack'),
    );
    expect(error).toContain('Prod/Stack/ClusterB: collection is "c/d", a collection nested with "c" of Stack/ClusterA');
  });
});

test('a construct refused for another reason claims nothing, so a corrected one with the same collection is accepted', () => {
  const stack = new Stack(appWithoutBundling(), 'Stack');
  const bucket = s3.Bucket.fromBucketName(stack, 'Shared', 'backups-eu');
  expect(() => new CockroachBackup(stack, 'First', { collection: 'c', bucket, maxIncrementals: 60 })).toThrow(/maxIncrementals is 60/);
  expect(() => new CockroachBackup(stack, 'Second', { collection: 'c', bucket })).not.toThrow();
});

describe('collections in different buckets', () => {
  test('accepts the same collection in two new buckets', () => {
    expect(secondError(() => ({ collection: 'c' }), () => ({ collection: 'c' }))).toBeUndefined();
  });

  test('accepts the same collection in two imported buckets of different names', () => {
    expect(
      secondError(
        (stack) => ({ collection: 'c', bucket: s3.Bucket.fromBucketName(stack, 'A', 'backups-a') }),
        (stack) => ({ collection: 'c', bucket: s3.Bucket.fromBucketName(stack, 'B', 'backups-b') }),
      ),
    ).toBeUndefined();
  });

  test('accepts the same collection in separate apps (the check cannot see across apps)', () => {
    for (let i = 0; i < 2; i++) {
      const stack = new Stack(appWithoutBundling(), 'Stack');
      expect(() => new CockroachBackup(stack, 'Backup', { collection: 'c', bucket: s3.Bucket.fromBucketName(stack, 'B', 'shared') })).not.toThrow();
    }
  });
});

describe('collectionsOverlap', () => {
  test.each([
    ['c', 'c', true],
    ['c', 'c/d', true],
    ['c/d', 'c', true],
    ['c', 'cd', false],
    ['c/d', 'c/e', false],
    ['c/d', 'cd', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(collectionsOverlap(a, b)).toBe(expected);
  });
});
