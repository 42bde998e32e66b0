import { Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { nagValueName } from '../nag';

/**
 * How a principal is confined to one collection of a bucket: the backup user (which
 * reads and writes) and every restore reader (which only reads) share these pieces, so
 * the two can never disagree on where the collection ends.
 */

/** Listing applies to the bucket, not to objects; the prefix condition below scopes it. */
export const COLLECTION_LIST_ACTIONS = ['s3:ListBucket'] as const;

/** Every object below the collection prefix: CockroachDB names the files itself. */
export function collectionObjectsArn(bucket: s3.IBucket, collection: string): string {
  return bucket.arnForObjects(`${collection}/*`);
}

/**
 * The condition that keeps s3:ListBucket inside the collection. CockroachDB lists with
 * the prefix `<collection>` itself when it lists the collection's root (List joins the
 * URI path and an empty listing prefix without a slash: JoinPathPreservingTrailingSlash
 * in pkg/cloud/amazon/s3_storage.go), and with `<collection>/...` below it. The first
 * form also lists the names of keys that merely start with the same characters
 * (collection `prod` sees the names under `prod-eu/`), never their contents: choose
 * collection names that are not prefixes of each other when that matters.
 */
export function collectionListConditions(collection: string): Record<string, Record<string, string[]>> {
  return { StringLike: { 's3:prefix': [collection, `${collection}/*`] } };
}

/**
 * The condition for a principal's use of the bucket's KMS key: only through S3 in the bucket's
 * region (`kms:ViaService`), since CockroachDB's nodes and restore readers never call KMS
 * themselves, S3 does for them (SSE-KMS). A leaked key then cannot decrypt or generate data keys
 * with the bucket key directly.
 */
export function bucketKeyThroughS3(bucket: s3.IBucket): Record<string, Record<string, string>> {
  return { StringEquals: { 'kms:ViaService': s3Service(bucket.env.region) } };
}

/** The `kms:ViaService` value of S3 in `region`: the service that uses a bucket's key on a caller's behalf. */
export function s3Service(region: string): string {
  return `s3.${region}.amazonaws.com`;
}

/**
 * Answers cdk-nag's AwsSolutions-IAM5 finding for the collection's object wildcard on
 * `policy`, and only that finding: the id names the exact resource.
 */
export function acknowledgeCollectionWildcard(policy: IConstruct, bucket: s3.IBucket, collection: string, reason: string): void {
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagValueName(policy, collectionObjectsArn(bucket, collection))}]`,
    reason,
  });
}
