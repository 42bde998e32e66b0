import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { MAX_SUPPORTED_INCREMENTALS } from '../cockroach-backup';
import { denyGrantsExceptForAwsServices } from '../keys/key-policies';
import { BackupKeyProtection, deployerRoleArns } from '../keys/key-protection';
import { backupBucket, BackupObjectLock } from '../storage/backup-bucket';
import { resolveRetention, RetentionRuleOptions } from '../storage/backup-retention';
import { collectionListConditions, collectionObjectsArn, COLLECTION_LIST_ACTIONS, s3Service } from '../storage/collection-access';
import { grantCollectionRead, RESTORE_KMS_ACTIONS, RESTORE_OBJECT_ACTIONS } from '../storage/restore-access';
import { checkCollection, invalid } from '../validation';
import { REPLICATION_DESTINATION_BUCKET_ACTIONS, REPLICATION_DESTINATION_KMS_ACTIONS, REPLICATION_DESTINATION_OBJECT_ACTIONS } from './replication-actions';
import { checkStackEnvironment, COPY_READER_TAG_KEY, OffsiteCopyLink, replicationRoleArn, ResolvedLink, resolveLink } from './offsite-link';

/**
 * Props of `BackupCopyDestination`. The retention fields (`collection`, `retention`, the schedule
 * intervals, `maxIncrementals`, `transitions`) are those of the primary's `CockroachBackup`: the copy
 * expires whole chains at the same window (docs/retention.md).
 */
export interface BackupCopyDestinationProps extends RetentionRuleOptions {
  /** The names both stacks agree on; the same object the source's `offsiteCopy.link` gets. */
  readonly link: OffsiteCopyLink;

  /**
   * The copy's Object Lock: every replicated version is kept, unchangeable, for this long. S3
   * replicates from a bucket with Object Lock only into one with Object Lock, so it is always on.
   * @default GOVERNANCE for the retention window (retention + chain span + margin, in days), like the primary's default
   */
  readonly objectLock?: BackupObjectLock;

  /**
   * The only roles, besides the stack's CloudFormation execution role (default synthesizer), that
   * may delete, disable or re-policy the copy's key, and change the copy bucket's policy, Object Lock
   * configuration, lifecycle rules, versioning or encryption: the bucket and key policies deny those
   * to every other principal, this account's administrators included.
   * @default none: only the CloudFormation execution role
   */
  readonly keyAdministrators?: iam.IRole[];

  /**
   * A bucket that receives the S3 server access logs of the copy (it must let the S3 logging
   * service write to it; a bucket created with aws-cdk-lib in the same stack gets that policy).
   * @default no server access logs (cdk-nag's AwsSolutions-S1 then reports the copy's bucket)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
}

/** The actions that remove a replicated version or shorten its lock: denied to every principal. */
export const COPY_DESTRUCTIVE_ACTIONS = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention'] as const;

/**
 * The bucket settings that protect the copy: denied to everyone but the deployer and the key
 * administrators, since CloudFormation itself writes them when the retention or the policy changes.
 */
export const COPY_PROTECTION_ACTIONS = [
  's3:PutBucketObjectLockConfiguration',
  's3:PutLifecycleConfiguration',
  's3:PutBucketPolicy',
  's3:DeleteBucketPolicy',
  's3:PutBucketVersioning',
  's3:PutEncryptionConfiguration',
] as const;

/**
 * The destination of an off-site copy of a `CockroachBackup` collection, deployed in the copy's
 * account and region: a versioned bucket with Object Lock, its own KMS key (rotation on, alias
 * `link.keyAlias`), and bucket and key policies that admit the source's replication role to
 * replicate into the collection, admit readers of the source account tagged as copy readers (the
 * restore drill) to read it, and deny every principal the deletion of a version or a shorter lock.
 * The bucket and key are always retained. docs/offsite-copy.md.
 *
 * Construct IDs below this construct are stable: Key (and its Alias), Bucket (and its Policy).
 */
export class BackupCopyDestination extends Construct {
  /** The IAM principal tag (value: the copy's bucket name) that marks the source account's principals allowed to read the copy. */
  public static readonly READER_TAG_KEY = COPY_READER_TAG_KEY;

  /** The copy's bucket, named `link.bucketName`. */
  public readonly bucket: s3.IBucket;
  /** The copy's key, aliased `link.keyAlias`. */
  public readonly key: kms.IKey;
  /** The collection prefix the copy holds. */
  public readonly collection: string;

  constructor(scope: Construct, id: string, props: BackupCopyDestinationProps) {
    super(scope, id);
    checkCollection(this, props.collection);
    this.collection = props.collection;
    const link = resolveLink(this, 'link', props.link);
    checkStackEnvironment(this, 'link', 'destination', Stack.of(this), link.destinationAccount, link.destinationRegion);
    const administrators = [...(props.keyAdministrators ?? []).map((role) => role.roleArn), ...deployerRoleArns(this)];
    if (administrators.length === 0) {
      invalid(this, 'keyAdministrators', '[] in a stack without the default synthesizer', 'at least one role: otherwise nobody could ever update the copy\'s bucket policy or lifecycle');
    }

    const retention = resolveRetention(this, {
      retention: props.retention,
      transitions: props.transitions,
      createsBucket: true,
      collection: props.collection,
      window: {
        fullInterval: props.fullBackupInterval ?? Duration.days(1),
        runInterval: props.incrementalInterval ?? Duration.hours(1),
        maxIncrementals: props.maxIncrementals ?? MAX_SUPPORTED_INCREMENTALS,
      },
    });

    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the off-site copy of the CockroachDB backups in ${link.bucketName}`,
      enableKeyRotation: true,
      alias: link.keyAlias,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    denyGrantsExceptForAwsServices(key);
    BackupKeyProtection.denyKeyLossExceptTo(key, props.keyAdministrators ?? []);
    this.key = key;

    this.bucket = backupBucket(
      this,
      undefined,
      {
        encryptionKey: key,
        bucketName: link.bucketName,
        objectLock: props.objectLock,
        objectLockFollowsRetention: props.objectLock === undefined ? true : undefined,
        serverAccessLogsBucket: props.serverAccessLogsBucket,
      },
      retention,
      'objectLock',
    );
    this.admitReplication(link, key);
    this.admitCopyReaders(link, key);
    this.denyDestruction(administrators);
  }

  /**
   * Gives `grantee` (a principal of this account) read access to the copy's collection, for
   * restores from the copy: as `CockroachBackup.grantRestoreRead` does on the primary.
   */
  public grantRestoreRead(grantee: iam.IGrantable): iam.Grant {
    return grantCollectionRead(grantee, this.bucket, this.collection);
  }

  /**
   * The replication role, and only it: named by `aws:PrincipalArn` under the source account's
   * principal rather than as the principal itself, because S3 and KMS refuse a policy that names a
   * role that does not exist yet, and the role is created by the source stack, deployed after this one.
   */
  private admitReplication(link: ResolvedLink, key: kms.Key): void {
    const role = replicationRoleArn(Stack.of(this).partition, link);
    const onlyTheRole = { ArnEquals: { 'aws:PrincipalArn': role } };
    const source = new iam.AccountPrincipal(link.sourceAccount);
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowReplicationIntoTheCollection',
        principals: [source],
        actions: [...REPLICATION_DESTINATION_OBJECT_ACTIONS],
        resources: [collectionObjectsArn(this.bucket, this.collection)],
        conditions: onlyTheRole,
      }),
    );
    // The source account as a whole may read the versioning status (nothing else): the replication
    // role reads it, and so may the principal that creates the rule, whatever S3 checks then.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowSourceAccountToReadVersioning',
        principals: [source],
        actions: [...REPLICATION_DESTINATION_BUCKET_ACTIONS],
        resources: [this.bucket.bucketArn],
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowReplicationToEncryptThroughS3',
        principals: [source],
        actions: [...REPLICATION_DESTINATION_KMS_ACTIONS],
        resources: ['*'],
        conditions: { ...onlyTheRole, StringEquals: { 'kms:ViaService': s3Service(link.destinationRegion) } },
      }),
    );
  }

  /**
   * Principals of the source account tagged `READER_TAG_KEY` = the bucket name (the source construct
   * tags the principal its drills use) may read the collection and decrypt through S3: what
   * RESTORE and SHOW BACKUP need (the same actions as `grantRestoreRead`), nothing that writes.
   */
  private admitCopyReaders(link: ResolvedLink, key: kms.Key): void {
    const source = new iam.AccountPrincipal(link.sourceAccount);
    const tagged = { [`aws:PrincipalTag/${COPY_READER_TAG_KEY}`]: link.bucketName };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTaggedSourceReadersToRead',
        principals: [source],
        actions: [...RESTORE_OBJECT_ACTIONS],
        resources: [collectionObjectsArn(this.bucket, this.collection)],
        conditions: { StringEquals: tagged },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTaggedSourceReadersToList',
        principals: [source],
        actions: [...COLLECTION_LIST_ACTIONS],
        resources: [this.bucket.bucketArn],
        conditions: { StringEquals: tagged, ...collectionListConditions(this.collection) },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTaggedSourceReadersToDecryptThroughS3',
        principals: [source],
        actions: [...RESTORE_KMS_ACTIONS],
        resources: ['*'],
        conditions: { StringEquals: { ...tagged, 'kms:ViaService': s3Service(link.destinationRegion) } },
      }),
    );
  }

  /**
   * Nobody, in any account, deletes a version or shortens a lock here (an explicit Deny in the bucket
   * policy binds this account's root user too); only the lifecycle expiry removes versions, after
   * the window. The protective settings change only through the deployer or the key administrators,
   * so that a retention change still deploys; every such change is a CloudTrail management event.
   */
  private denyDestruction(administrators: string[]): void {
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyDeletionAndShorterLocks',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...COPY_DESTRUCTIVE_ACTIONS],
        resources: [this.bucket.arnForObjects('*')],
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyProtectionChangesExceptToAdministrators',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...COPY_PROTECTION_ACTIONS],
        resources: [this.bucket.bucketArn],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': administrators } },
      }),
    );
  }
}
