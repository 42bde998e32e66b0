import { CfnDeletionPolicy, CfnResource, SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { cloudFormationValidateRuleId } from '../nag';
import { acknowledgeCollectionWildcard, bucketKeyThroughS3, collectionListConditions, collectionObjectsArn, COLLECTION_LIST_ACTIONS } from '../storage/collection-access';

/**
 * Exactly what BACKUP needs on Amazon S3, from CockroachDB's docs ("Use Cloud Storage",
 * section "Storage permissions", cockroachdb/docs src/current/v24.1/use-cloud-storage.md):
 * Backup needs `s3:PutObject`, `s3:GetObject`, `s3:ListBucket` (write the files, read
 * checkpoints on resume, list previous backups for incrementals). Delete is optional and
 * "not necessary for backups to complete successfully in v22.1 and later", so it is not
 * granted. Without delete the user can still overwrite a backup file (PutObject makes a new
 * current version, which CockroachDB then reads); what keeps the original is the bucket: in a
 * bucket the construct creates, Object Lock (the default with retention) or a noncurrent version
 * kept for `noncurrentVersionExpiration` (the window with retention, 90 days without); in your
 * own bucket, its versioning and lifecycle (lib/storage/backup-bucket.ts, docs/security.md). RESTORE and SHOW BACKUP need only Get
 * and List, a subset. CREATE EXTERNAL CONNECTION's check writes, lists and reads a
 * marker file (pkg/cloud/externalconn/utils/connection_storage.go), also a subset.
 */
export const BACKUP_OBJECT_ACTIONS = ['s3:GetObject', 's3:PutObject'] as const;
export const BACKUP_BUCKET_ACTIONS = COLLECTION_LIST_ACTIONS;

/**
 * With SSE-KMS, writing an object needs `kms:GenerateDataKey` and reading it needs
 * `kms:Decrypt` on the bucket's key (Amazon S3 User Guide, "Using server-side encryption
 * with AWS KMS keys (SSE-KMS)", permissions section).
 */
export const BACKUP_KMS_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

export interface BackupCredentials {
  readonly user: iam.User;
  readonly group: iam.Group;
  readonly accessKey: iam.AccessKey;
  readonly secret: secretsmanager.Secret;
}

/**
 * 'BackupPolicy': the one customer managed policy that says what CockroachDB's nodes may do
 * on the collection, whoever holds it (the backup user's group, or a role in keyless modes,
 * lib/credentials/storage-credentials.ts): one reviewable, versioned document.
 */
export function collectionWritePolicy(scope: Construct, bucket: s3.IBucket, collection: string, holder: string): iam.ManagedPolicy {
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadWriteCollectionObjects',
      actions: [...BACKUP_OBJECT_ACTIONS],
      resources: [collectionObjectsArn(bucket, collection)],
    }),
    new iam.PolicyStatement({
      sid: 'ListCollection',
      actions: [...BACKUP_BUCKET_ACTIONS],
      resources: [bucket.bucketArn],
      conditions: collectionListConditions(collection),
    }),
  ];
  if (bucket.encryptionKey !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'UseBucketKey',
        actions: [...BACKUP_KMS_ACTIONS],
        resources: [bucket.encryptionKey.keyArn],
        conditions: bucketKeyThroughS3(bucket),
      }),
    );
  }
  const policy = new iam.ManagedPolicy(scope, 'BackupPolicy', {
    description: `What CockroachDB needs to write and read the backups of ${scope.node.path} (collection ${collection})`,
    statements,
  });
  acknowledgeCollectionWildcard(
    policy,
    bucket,
    collection,
    'The wildcard is the collection prefix: CockroachDB names every backup file itself (date-stamped folders, ' +
      `data/*.sst, manifests), so the object keys cannot be listed in advance. The ${holder} can read and write ` +
      'only below its own collection prefix. It has no delete permission, but an overwrite makes a new current version: the original is ' +
      "kept only as the bucket keeps versions (locked by Object Lock, or noncurrent for noncurrentVersionExpiration; your own bucket's settings otherwise).",
  );
  return policy;
}

/**
 * The IAM user whose access key CockroachDB's nodes use to write the collection, its
 * key, and a secret holding `{"accessKeyId","secretAccessKey"}`. The secret is built
 * from the key's CloudFormation attributes (Ref and GetAtt SecretAccessKey): the key
 * never appears in the template, the assembly or an output.
 *
 * An IAM user, because static keys (`AUTH=specified`) work wherever the nodes run. The
 * keyless modes (`StorageCredentials.cloudIdentityRole`, `.implicit`) start from the nodes'
 * own identity instead and create none of this.
 *
 * The user holds no policy itself: it is the only member of a group ('BackupGroup') to
 * which the collection policy ('BackupPolicy') is attached. That is what IAM best
 * practice and AWS Control Tower's CT.IAM.PR.4 ask (no policy on a user). The user keeps its construct ID,
 * so an upgrade adds the group and policy and removes the former inline policy without
 * replacing the user or its key (CloudFormation creates the new resources before it
 * deletes the old one, so the key never loses its permissions).
 */
export function backupCredentials(scope: Construct, policy: iam.ManagedPolicy, accessKeySerial: number, rotated: boolean, encryptionKey: kms.IKey | undefined): BackupCredentials {
  const user = new iam.User(scope, 'BackupUser');
  // Attached on the group's side (ManagedPolicyArns): a group without properties fails
  // Control Tower's CT.IAM.PR.1 and PR.5, which cannot evaluate a resource that has none.
  const group = new iam.Group(scope, 'BackupGroup', { managedPolicies: [policy] });
  user.addToGroup(group);

  // The key CloudFormation manages seeds the secret; its construct ID, its Serial and the
  // secret's template value stay as they were before rotation existed, so turning rotation
  // on replaces nothing. Increasing `accessKeySerial` replaces this key (a new key, the
  // secret rewritten with it by CloudFormation, as its value references the key):
  // - with rotation on, UpdateReplacePolicy Retain keeps the old key active. It is then a
  //   previous key like the one a rotation leaves, and the rotation function's daily
  //   retirement deactivates and deletes it once its grace period is over, so a backup job
  //   that still carries it finishes. (After the first automatic rotation the old key may be
  //   one the rotation function already retired; keeping nothing then costs nothing.) IAM
  //   allows two keys: a bump while a previous key is in its grace period fails the deploy
  //   (CreateAccessKey, LimitExceeded) and CloudFormation rolls back; no backup fails.
  // - with rotation off there is nothing to retire a kept key, so CloudFormation deletes
  //   the old key in the same deploy: a backup job running with it fails (README).
  // DeletionPolicy stays Delete: removing the stack removes the key.
  const accessKey = new iam.AccessKey(scope, 'AccessKey', { user, serial: accessKeySerial });
  if (rotated) {
    (accessKey.node.defaultChild as CfnResource).cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
    Validations.of(accessKey).acknowledge({
      id: cloudFormationValidateRuleId('W3011'),
      reason:
        'Only the key that an accessKeySerial increase replaces is kept (UpdateReplacePolicy Retain), so that backup ' +
        'jobs still carrying it finish; the rotation function retires it after the grace period. DeletionPolicy stays ' +
        'Delete on purpose: removing the stack deletes the key CloudFormation manages. Keys the rotation function created are not ' +
        "CloudFormation's and survive it: delete them first (docs/key-rotation.md, \"Turning it off, and deleting the stack\").",
    });
  }
  // The secrets key (undefined: the AWS managed key aws/secretsmanager); changing it updates the secret in place.
  const secret = new secretsmanager.Secret(scope, 'AccessKeySecret', {
    description: `Access key of the IAM user CockroachDB uses to write backups to ${scope.node.path}`,
    encryptionKey,
    secretObjectValue: {
      accessKeyId: SecretValue.resourceAttribute(accessKey.accessKeyId),
      secretAccessKey: accessKey.secretAccessKey,
    },
  });
  if (!rotated) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Automatic rotation of this access key was turned off (accessKeyRotation: AccessKeyRotation.disabled()). ' +
        'It is rotated by deployment instead: increasing the accessKeySerial prop makes CloudFormation create a new ' +
        'key, update this secret and delete the old key; the backup Lambda reads the key on every run.',
    });
  }
  return { user, group, accessKey, secret };
}

