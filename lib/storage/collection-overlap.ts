import { Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { invalid } from '../validation';

/** One CockroachBackup's claim on a collection, as the overlap check compares them. */
interface CollectionClaim {
  readonly path: string;
  readonly bucket: s3.IBucket;
  /** The bucket's name when it is known at synth time (not a token). */
  readonly bucketName?: string;
  readonly collection: string;
}

/** Claims per app (the construct tree's root); the WeakMap lets finished apps be collected. */
const claimsByApp = new WeakMap<IConstruct, CollectionClaim[]>();

/**
 * The bucket's name if synth knows it: an imported bucket's literal name, or the
 * `BucketName` property of a bucket created in this app (the `bucketName` attribute of
 * a new bucket is a `Ref` token even when its name was given).
 */
function concreteBucketName(bucket: s3.IBucket): string | undefined {
  if (!Token.isUnresolved(bucket.bucketName)) return bucket.bucketName;
  const resource = bucket.node.defaultChild;
  if (resource instanceof s3.CfnBucket && resource.bucketName !== undefined && !Token.isUnresolved(resource.bucketName)) {
    return resource.bucketName;
  }
  return undefined;
}

/** Same bucket: the same bucket object, or the same name when both names are known. */
function sameBucket(a: CollectionClaim, b: CollectionClaim): boolean {
  return a.bucket === b.bucket || (a.bucketName !== undefined && a.bucketName === b.bucketName);
}

/** Equal, or one is a path prefix of the other (`c` and `c/d`; not `c` and `cd`). */
export function collectionsOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/**
 * Refuses a collection that overlaps the collection of another CockroachBackup in the
 * same bucket and app, then records this one's claim. Two clusters writing one
 * collection each see the other's backups as "another cluster's" (endless re-baselining);
 * with nested collections the outer one's key (`s3:PutObject` on `c/*`) can overwrite
 * the inner one's backups. Buckets whose identity is a token on either side (a name
 * only known at deploy time, in different bucket objects) cannot be compared and are
 * skipped, and nothing here sees other apps.
 */
export function claimCollection(scope: IConstruct, bucket: s3.IBucket, collection: string): void {
  const claim: CollectionClaim = { path: scope.node.path, bucket, bucketName: concreteBucketName(bucket), collection };
  const root = scope.node.root;
  const claims = claimsByApp.get(root) ?? [];
  const other = claims.find((c) => sameBucket(c, claim) && collectionsOverlap(c.collection, collection));
  if (other !== undefined) {
    const relation = other.collection === collection ? 'the same collection as' : 'a collection nested with';
    invalid(
      scope,
      'collection',
      `${JSON.stringify(collection)}, ${relation} ${JSON.stringify(other.collection)} of ${other.path} in the same bucket` +
        (claim.bucketName === undefined ? '' : ` (${claim.bucketName})`),
      'a collection that neither equals nor contains nor lies inside the collection of another CockroachBackup in the ' +
        'same bucket: two clusters writing one collection take each other for "another cluster" and re-baseline forever, ' +
        "and the outer collection's key can overwrite the inner one's backups",
    );
  }
  claims.push(claim);
  claimsByApp.set(root, claims);
}
