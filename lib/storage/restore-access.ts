import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeCollectionWildcard, bucketKeyThroughS3, collectionListConditions, collectionObjectsArn, COLLECTION_LIST_ACTIONS } from './collection-access';

/**
 * What RESTORE and SHOW BACKUP(S) need on Amazon S3: read the files and list the
 * collection (cockroachdb-behaviour.md section 6; CockroachDB docs "Use Cloud Storage",
 * storage permissions). Nothing that writes or deletes: a scratch cluster given this key
 * cannot change the production collection. It also cannot CREATE EXTERNAL CONNECTION,
 * whose check writes a test file.
 */
export const RESTORE_OBJECT_ACTIONS = ['s3:GetObject'] as const;

/** Reading an SSE-KMS object needs kms:Decrypt on the bucket's key, and nothing more. */
export const RESTORE_KMS_ACTIONS = ['kms:Decrypt'] as const;

/**
 * Gives `grantee` read access to one collection: s3:GetObject on `<collection>/*`,
 * s3:ListBucket on the bucket limited to the collection prefix, and kms:Decrypt on the
 * bucket's key when the bucket object knows one. Statements go to the grantee's own
 * policy (never a bucket or key policy), so an imported bucket works the same.
 */
export function grantCollectionRead(grantee: iam.IGrantable, bucket: s3.IBucket, collection: string): iam.Grant {
  const grants = [
    iam.Grant.addToPrincipal({ grantee, actions: [...RESTORE_OBJECT_ACTIONS], resourceArns: [collectionObjectsArn(bucket, collection)] }),
    iam.Grant.addToPrincipal({
      grantee,
      actions: [...COLLECTION_LIST_ACTIONS],
      resourceArns: [bucket.bucketArn],
      conditions: collectionListConditions(collection),
    }),
  ];
  if (bucket.encryptionKey !== undefined) {
    grants.push(iam.Grant.addToPrincipal({ grantee, actions: [...RESTORE_KMS_ACTIONS], resourceArns: [bucket.encryptionKey.keyArn], conditions: bucketKeyThroughS3(bucket) }));
  }
  // A user or role of this app keeps its statements in a child 'DefaultPolicy'.
  const principal = grantee.grantPrincipal;
  const policy = Construct.isConstruct(principal) ? principal.node.tryFindChild('DefaultPolicy') : undefined;
  if (policy !== undefined) {
    acknowledgeCollectionWildcard(
      policy,
      bucket,
      collection,
      'The wildcard is the collection prefix: CockroachDB names every backup file itself, so the object keys cannot ' +
        'be listed in advance. This grant reads only below this collection prefix and gives no write or delete permission.',
    );
  }
  return grants.reduce((all, grant) => all.combine(grant));
}
