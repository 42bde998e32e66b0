import { Annotations, Duration, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ENV } from '../../contract/environment';
import { nagValueName } from '../nag';
import { acknowledgeCollectionWildcard, bucketKeyThroughS3, collectionListConditions, collectionObjectsArn, COLLECTION_LIST_ACTIONS, s3Service } from '../storage/collection-access';
import { RESTORE_KMS_ACTIONS, RESTORE_OBJECT_ACTIONS } from '../storage/restore-access';
import { checkDurationSeconds, invalid } from '../validation';
import { REPLICATION_DESTINATION_BUCKET_ACTIONS, REPLICATION_DESTINATION_KMS_ACTIONS, REPLICATION_DESTINATION_OBJECT_ACTIONS } from './replication-actions';
import { checkStackEnvironment, COPY_READER_TAG_KEY, OffsiteCopyOptions, ResolvedLink, resolveLink } from './offsite-link';

/** The id of the replication rule, and of the RuleId dimension of its metrics. */
export const OFFSITE_RULE_ID = 'OffsiteCopy';
export const DEFAULT_REPLICATION_LATENCY_THRESHOLD = Duration.hours(1);

/**
 * What S3 replication reads on the source (S3 User Guide, "Setting up permissions for live
 * replication"): the rule, and every version of the collection with its ACL, tags and Object Lock
 * retention and legal hold (replicated with the object when the bucket has Object Lock).
 */
const REPLICATION_SOURCE_BUCKET_ACTIONS = ['s3:GetReplicationConfiguration', 's3:ListBucket'] as const;
const REPLICATION_SOURCE_OBJECT_ACTIONS = [
  's3:GetObjectVersionForReplication',
  's3:GetObjectVersionAcl',
  's3:GetObjectVersionTagging',
  's3:GetObjectRetention',
  's3:GetObjectLegalHold',
] as const;

/** Where the copy is, for the source side. */
export interface OffsiteCopySource {
  /** The principal whose policy holds the backup policy: what the drills use to read. */
  readonly storagePrincipal: iam.IPrincipal | undefined;
  /** The managed policy of the storage principal, which gains the copy's read statements with drills from the copy. */
  readonly backupPolicy: iam.ManagedPolicy;
  readonly bucket: s3.IBucket;
  readonly collection: string;
  /** Whether scheduled restore drills are on: drillFromCopy needs them. */
  readonly drills: boolean;
}

/** What the source side adds: the role, the replication rule's settings for alarms, the drills' variables. */
export interface OffsiteCopyParts {
  readonly replicationRole: iam.Role;
  readonly link: ResolvedLink;
  readonly latencyThreshold: Duration;
  readonly drillEnvironment: Partial<Record<typeof ENV.drillCopyBucketName | typeof ENV.drillCopyBucketRegion, string>>;
  /** The copy's objects the storage principal may read (drillFromCopy), for `backupKeySource`'s restriction. */
  readonly copyReadObjectArns: string[];
}

/**
 * The source side of the off-site copy, on the bucket `CockroachBackup` created: the replication
 * role 'ReplicationRole' (fixed name) and a replication rule on the bucket (an in-place update of
 * AWS::S3::Bucket: ReplicationConfiguration needs no replacement); with drillFromCopy, read access
 * to the copy for the storage principal, which is tagged as a copy reader.
 */
export function offsiteCopySource(scope: Construct, options: OffsiteCopyOptions, source: OffsiteCopySource): OffsiteCopyParts {
  const link = resolveLink(scope, 'offsiteCopy.link', options.link);
  const stack = Stack.of(scope);
  checkStackEnvironment(scope, 'offsiteCopy.link', 'source', stack, link.sourceAccount, link.sourceRegion);
  const latencyThreshold = options.replicationLatencyThreshold ?? DEFAULT_REPLICATION_LATENCY_THRESHOLD;
  checkDurationSeconds(scope, 'offsiteCopy.replicationLatencyThreshold', latencyThreshold, Duration.minutes(5), Duration.days(1));
  if (!latencyThreshold.isUnresolved() && !Number.isInteger(latencyThreshold.toMinutes({ integral: false }))) {
    invalid(scope, 'offsiteCopy.replicationLatencyThreshold', latencyThreshold.toHumanString(), 'whole minutes');
  }
  if (options.drillFromCopy === true && !source.drills) {
    invalid(scope, 'offsiteCopy.drillFromCopy', 'true without restoreDrill', 'restoreDrill to be set as well: drillFromCopy chooses where the drills read');
  }
  const bucket = source.bucket as s3.Bucket;
  const partition = stack.partition;
  const copyBucketArn = `arn:${partition}:s3:::${link.bucketName}`;
  const copyBucket = s3.Bucket.fromBucketAttributes(scope, 'OffsiteCopyBucket', { bucketArn: copyBucketArn, account: link.destinationAccount, region: link.destinationRegion });
  const copyKeys = `arn:${partition}:kms:${link.destinationRegion}:${link.destinationAccount}:key/*`;
  // The copy's key ARN is unknown here (it lives in the other stack): the alias names it.
  const copyKeyByAlias = { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [link.keyAlias] } };

  const role = new iam.Role(scope, 'ReplicationRole', {
    roleName: link.replicationRoleName,
    description: `S3 replication of ${source.collection}/ to the off-site copy ${link.bucketName}`,
    // The trust of the S3 User Guide ("Setting up permissions for live replication"), without
    // conditions: S3 documents none for replication, and a condition on a key S3 does not send would
    // stop replication. Only a principal with iam:PassRole on this role (of this account) can name
    // it in a replication configuration.
    assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
  });
  // A customer managed policy, not an inline one (the NIST 800-53, HIPAA and PCI packs' IAMNoInlinePolicy).
  const policy = new iam.ManagedPolicy(scope, 'ReplicationPolicy', {
    description: `What S3 replication of ${source.collection}/ to ${link.bucketName} needs, and nothing else`,
    roles: [role],
    statements: [
      new iam.PolicyStatement({ sid: 'ReadTheRule', actions: [...REPLICATION_SOURCE_BUCKET_ACTIONS], resources: [bucket.bucketArn] }),
      new iam.PolicyStatement({ sid: 'ReadTheCollectionForReplication', actions: [...REPLICATION_SOURCE_OBJECT_ACTIONS], resources: [collectionObjectsArn(bucket, source.collection)] }),
      new iam.PolicyStatement({ sid: 'ReplicateIntoTheCopy', actions: [...REPLICATION_DESTINATION_OBJECT_ACTIONS], resources: [collectionObjectsArn(copyBucket, source.collection)] }),
      new iam.PolicyStatement({ sid: 'ReadTheCopysVersioning', actions: [...REPLICATION_DESTINATION_BUCKET_ACTIONS], resources: [copyBucketArn] }),
      new iam.PolicyStatement({
        sid: 'EncryptWithTheCopysKeyThroughS3',
        actions: [...REPLICATION_DESTINATION_KMS_ACTIONS],
        resources: [copyKeys],
        conditions: { ...copyKeyByAlias, StringEquals: { 'kms:ViaService': s3Service(link.destinationRegion) } },
      }),
    ],
  });
  if (bucket.encryptionKey !== undefined) {
    policy.addStatements(
      new iam.PolicyStatement({ sid: 'DecryptTheCollectionThroughS3', actions: ['kms:Decrypt'], resources: [bucket.encryptionKey.keyArn], conditions: bucketKeyThroughS3(bucket) }),
    );
  }
  acknowledgeReplicationWildcards(policy, bucket, copyBucket, source.collection, copyKeys);

  // The L1 property, not a raw override, so that policy packs (S3BucketReplicationEnabled) see it.
  (bucket.node.defaultChild as s3.CfnBucket).replicationConfiguration = {
    role: role.roleArn,
    rules: [
      {
        id: OFFSITE_RULE_ID,
        priority: 0,
        status: 'Enabled',
        // The trailing slash: the rule for `prod/c1` must not replicate `prod/c10`.
        filter: { prefix: `${source.collection}/` },
        // Deletes stay in the primary: a delete marker (a person, the backup key, the lifecycle
        // expiry) never hides a backup in the copy. Version deletes are never replicated.
        deleteMarkerReplication: { status: 'Disabled' },
        // SSE-KMS objects (the bucket's key, or a key someone named on upload) are replicated too,
        // re-encrypted with the copy's key; SSE-S3 objects stay SSE-S3 in the copy.
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: copyBucketArn,
          encryptionConfiguration: { replicaKmsKeyId: `arn:${partition}:kms:${link.destinationRegion}:${link.destinationAccount}:${link.keyAlias}` },
          // Replication metrics without Replication Time Control (no ReplicationTime, no
          // EventThreshold: the S3 API requires neither): S3 publishes OperationsFailedReplication,
          // ReplicationLatency and the pending counts as CloudWatch metrics, billed as custom metrics.
          metrics: { status: 'Enabled' },
          // In another account the replicas belong to it (its bucket enforces bucket-owner ownership anyway).
          ...(link.crossAccount ? { account: link.destinationAccount, accessControlTranslation: { owner: 'Destination' } } : {}),
        },
      },
    ],
  };

  const drills = options.drillFromCopy === true;
  const drillEnvironment = drills ? admitDrillReads(scope, source, copyBucket, link, copyKeys, copyKeyByAlias) : {};
  const copyReadObjectArns = drills ? [collectionObjectsArn(copyBucket, source.collection)] : [];
  return { replicationRole: role, link, latencyThreshold, drillEnvironment, copyReadObjectArns };
}

/**
 * The drills read the copy with the principal the nodes use: its policy gains read on the copy's
 * collection and decryption with the copy's key through S3 (the same actions as grantRestoreRead),
 * and the principal gets the copy-reader tag the copy's bucket and key policies admit. A tag
 * changes a user or role in place; the imported nodes' role cannot be tagged from here.
 */
function admitDrillReads(
  scope: Construct,
  source: OffsiteCopySource,
  copyBucket: s3.IBucket,
  link: ResolvedLink,
  copyKeys: string,
  copyKeyByAlias: Record<string, Record<string, string[]>>,
): OffsiteCopyParts['drillEnvironment'] {
  source.backupPolicy.addStatements(
    new iam.PolicyStatement({ sid: 'ReadTheOffsiteCopy', actions: [...RESTORE_OBJECT_ACTIONS], resources: [collectionObjectsArn(copyBucket, source.collection)] }),
    new iam.PolicyStatement({
      sid: 'ListTheOffsiteCopy',
      actions: [...COLLECTION_LIST_ACTIONS],
      resources: [copyBucket.bucketArn],
      conditions: collectionListConditions(source.collection),
    }),
    new iam.PolicyStatement({
      sid: 'DecryptTheOffsiteCopyThroughS3',
      actions: [...RESTORE_KMS_ACTIONS],
      resources: [copyKeys],
      conditions: { ...copyKeyByAlias, StringEquals: { 'kms:ViaService': s3Service(link.destinationRegion) } },
    }),
  );
  acknowledgeCollectionWildcard(
    source.backupPolicy,
    copyBucket,
    source.collection,
    'The wildcard is the collection prefix in the off-site copy, read by restore drills: CockroachDB names every backup file itself. Read only.',
  );
  acknowledgeKeyWildcard(source.backupPolicy, copyKeys, 'the drills decrypt the copy through S3');
  const principal = source.storagePrincipal;
  if (principal instanceof iam.User || principal instanceof iam.Role) {
    Tags.of(principal).add(COPY_READER_TAG_KEY, link.bucketName);
  } else {
    Annotations.of(scope).addWarningV2(
      'cockroach-backup-cdk:copyReaderNotTagged',
      `offsiteCopy.drillFromCopy: the nodes' role is not created by this app, so it was not tagged as a reader of the copy. Tag it ` +
        `yourself with ${COPY_READER_TAG_KEY}=${link.bucketName}, or the copy's bucket policy refuses the drills (docs/offsite-copy.md).`,
    );
  }
  return { [ENV.drillCopyBucketName]: link.bucketName, [ENV.drillCopyBucketRegion]: link.destinationRegion };
}

/** The replication role's wildcards: the two collection prefixes and the copy's key, named by alias. */
function acknowledgeReplicationWildcards(policy: iam.ManagedPolicy, bucket: s3.IBucket, copyBucket: s3.IBucket, collection: string, copyKeys: string): void {
  const reason = 'The wildcard is the collection prefix: S3 replicates every object CockroachDB writes below it, whose names cannot be listed in advance.';
  acknowledgeCollectionWildcard(policy, bucket, collection, reason);
  acknowledgeCollectionWildcard(policy, copyBucket, collection, reason);
  acknowledgeKeyWildcard(policy, copyKeys, 'S3 encrypts the replicas with it');
}

/** The copy's key is named by alias (kms:ResourceAliases), its ARN being unknown to this stack. */
function acknowledgeKeyWildcard(policy: Construct, copyKeys: string, use: string): void {
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagValueName(policy, copyKeys)}]`,
    reason:
      `The key ARN of the off-site copy is created in the other stack and unknown here: the statement names the key by its alias ` +
      `(kms:ResourceAliases) within the copy's account and region, and only through S3 (kms:ViaService); ${use}.`,
  });
}
