import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BackupCopyDestination, CockroachBackup, OffsiteCopyLink } from '../../../lib';
import { COPY_READER_TAG_KEY } from '../../../lib/offsite/offsite-link';
import { ACCOUNT, decide, Decision, PolicyModel, REGION } from './policy-model';

/**
 * The off-site copy's two templates (a source in ACCOUNT/REGION, the copy in another account and
 * region) evaluated by an IAM policy simulator (@cloud-copilot/iam-simulate): the replication role
 * can replicate and nothing else, nobody in the source account (its administrators included) can
 * delete a replicated version or shorten its lock, and the copy's key serves source principals only
 * through S3, for replication and the tagged drill reader.
 */

const COPY_ACCOUNT = '222222222222';
const COPY_REGION = 'eu-central-1';
const COLLECTION = 'prod/cluster-1';
const LINK: OffsiteCopyLink = {
  sourceAccount: ACCOUNT,
  sourceRegion: REGION,
  destinationAccount: COPY_ACCOUNT,
  destinationRegion: COPY_REGION,
  bucketName: 'acme-crdb-offsite-copy',
  replicationRoleName: 'crdb-backup-replication',
};
const ADMINISTRATOR_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const COPY_DEPLOYER = `arn:aws:iam::${COPY_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${COPY_ACCOUNT}-${COPY_REGION}`;
const THROUGH_COPY_S3 = { 'kms:ViaService': `s3.${COPY_REGION}.amazonaws.com`, 'kms:ResourceAliases': [`alias/${LINK.bucketName}`] };
const COPY_READER = { [`aws:PrincipalTag/${COPY_READER_TAG_KEY}`]: LINK.bucketName };

interface Principal {
  readonly arn: string;
  readonly account: string;
  readonly identityPolicies: { name: string; policy: unknown }[];
  readonly context?: Record<string, string | string[]>;
}

interface Target {
  readonly arn: string;
  readonly account: string;
  readonly policy?: unknown;
}

let principals: Record<'replicationRole' | 'backupUser' | 'sourceAdmin' | 'taggedSourceAdmin' | 'copyAdmin' | 'copyDeployer', Principal>;
let targets: Record<'copyObject' | 'copyObjectElsewhere' | 'copyBucket' | 'copyKey' | 'primaryObject' | 'otherSourceObject', Target>;

beforeAll(() => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const copyStack = new Stack(app, 'CopyStack', { env: { account: COPY_ACCOUNT, region: COPY_REGION } });
  new BackupCopyDestination(copyStack, 'Copy', { link: LINK, collection: COLLECTION, retention: Duration.days(35) });
  const sourceStack = new Stack(app, 'SourceStack', { env: { account: ACCOUNT, region: REGION } });
  new CockroachBackup(sourceStack, 'Backup', {
    collection: COLLECTION,
    retention: Duration.days(35),
    bucketOptions: { encryptionKey: new kms.Key(sourceStack, 'BucketKey') },
    restoreDrill: {},
    offsiteCopy: { link: LINK, drillFromCopy: true },
  });
  const copy = new PolicyModel(Template.fromStack(copyStack).toJSON().Resources, { account: COPY_ACCOUNT, region: COPY_REGION });
  const source = new PolicyModel(Template.fromStack(sourceStack).toJSON().Resources);

  const copyBucket = copy.logicalId('AWS::S3::Bucket', 'CopyBucket');
  const copyKey = copy.logicalId('AWS::KMS::Key', 'CopyKey');
  const replicationRole = source.logicalId('AWS::IAM::Role', 'BackupReplicationRole');
  const backupUser = source.logicalId('AWS::IAM::User', 'BackupBackupUser');
  const admin = (account: string, name: string, context?: Record<string, string>): Principal => ({
    arn: `arn:aws:iam::${account}:role/${name}`,
    account,
    identityPolicies: [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }],
    context,
  });
  principals = {
    replicationRole: { arn: source.arn(replicationRole), account: ACCOUNT, identityPolicies: source.identityPolicies(replicationRole) },
    backupUser: { arn: source.arn(backupUser), account: ACCOUNT, identityPolicies: source.identityPolicies(backupUser), context: COPY_READER },
    sourceAdmin: admin(ACCOUNT, 'Admin'),
    // An administrator of the source account who tagged themselves as a copy reader.
    taggedSourceAdmin: admin(ACCOUNT, 'Admin', COPY_READER),
    copyAdmin: admin(COPY_ACCOUNT, 'Admin'),
    copyDeployer: { ...admin(COPY_ACCOUNT, 'x'), arn: COPY_DEPLOYER },
  };
  const bucketPolicy = copy.bucketPolicy(copyBucket);
  const primaryBucket = source.arn(source.logicalId('AWS::S3::Bucket', 'BackupBucket'));
  targets = {
    copyObject: { arn: `arn:aws:s3:::${LINK.bucketName}/${COLLECTION}/2026/12/06-000000.00/data/1.sst`, account: COPY_ACCOUNT, policy: bucketPolicy },
    copyObjectElsewhere: { arn: `arn:aws:s3:::${LINK.bucketName}/other/file`, account: COPY_ACCOUNT, policy: bucketPolicy },
    copyBucket: { arn: `arn:aws:s3:::${LINK.bucketName}`, account: COPY_ACCOUNT, policy: bucketPolicy },
    copyKey: { arn: copy.arn(copyKey), account: COPY_ACCOUNT, policy: copy.keyPolicy(copyKey) },
    primaryObject: { arn: `${primaryBucket}/${COLLECTION}/2026/12/06-000000.00/data/1.sst`, account: ACCOUNT, policy: source.bucketPolicy(source.logicalId('AWS::S3::Bucket', 'BackupBucket')) },
    otherSourceObject: { arn: 'arn:aws:s3:::another-bucket-of-the-source-account/file', account: ACCOUNT },
  };
});

async function evaluate(who: keyof typeof principals, action: string, on: keyof typeof targets, context: Record<string, string | string[]> = {}): Promise<Decision> {
  const principal = principals[who];
  const target = targets[on];
  return decide({
    principal: principal.arn,
    principalAccount: principal.account,
    identityPolicies: principal.identityPolicies,
    action,
    resource: target.arn,
    resourceAccount: target.account,
    resourcePolicy: target.policy,
    context: { ...principal.context, ...context },
  });
}

describe('the replication role can replicate and nothing else', () => {
  test.each<[string, string, keyof typeof targets, Record<string, string | string[]>, Decision]>([
    ['replicate into the collection of the copy', 's3:ReplicateObject', 'copyObject', {}, 'allowed'],
    ['replicate tags', 's3:ReplicateTags', 'copyObject', {}, 'allowed'],
    ['hand replicas to the copy account', 's3:ObjectOwnerOverrideToBucketOwner', 'copyObject', {}, 'allowed'],
    ['read the copy bucket versioning', 's3:GetBucketVersioning', 'copyBucket', {}, 'allowed'],
    ['encrypt with the copy key through S3', 'kms:GenerateDataKey', 'copyKey', THROUGH_COPY_S3, 'allowed'],
    ['read versions of the collection for replication', 's3:GetObjectVersionForReplication', 'primaryObject', {}, 'allowed'],
    ['replicate outside the collection', 's3:ReplicateObject', 'copyObjectElsewhere', {}, 'not allowed'],
    ['write to the copy directly', 's3:PutObject', 'copyObject', {}, 'not allowed'],
    ['read the copy', 's3:GetObject', 'copyObject', {}, 'not allowed'],
    ['replicate a delete', 's3:ReplicateDelete', 'copyObject', {}, 'not allowed'],
    ['delete in the copy', 's3:DeleteObject', 'copyObject', {}, 'denied'],
    ['delete a version in the copy', 's3:DeleteObjectVersion', 'copyObject', {}, 'denied'],
    ['shorten a lock in the copy', 's3:PutObjectRetention', 'copyObject', {}, 'denied'],
    ['bypass GOVERNANCE in the copy', 's3:BypassGovernanceRetention', 'copyObject', {}, 'denied'],
    ['change the lifecycle of the copy', 's3:PutLifecycleConfiguration', 'copyBucket', {}, 'denied'],
    ['use the copy key directly', 'kms:GenerateDataKey', 'copyKey', { 'kms:ResourceAliases': [`alias/${LINK.bucketName}`] }, 'not allowed'],
    ['decrypt with the copy key', 'kms:Decrypt', 'copyKey', THROUGH_COPY_S3, 'not allowed'],
    ['read the primary with GetObject', 's3:GetObject', 'primaryObject', {}, 'not allowed'],
    ['read another bucket of the source account', 's3:GetObjectVersionForReplication', 'otherSourceObject', {}, 'not allowed'],
    ['delete in the primary', 's3:DeleteObjectVersion', 'primaryObject', {}, 'not allowed'],
  ])('%s: %s', async (_, action, on, context, expected) => {
    expect(await evaluate('replicationRole', action, on, context)).toBe(expected);
  });
});

describe('nothing in the source account can delete or shorten the copy', () => {
  test.each<[keyof typeof principals, string, keyof typeof targets, Decision]>([
    ['sourceAdmin', 's3:DeleteObject', 'copyObject', 'denied'],
    ['sourceAdmin', 's3:DeleteObjectVersion', 'copyObject', 'denied'],
    ['sourceAdmin', 's3:PutObjectRetention', 'copyObject', 'denied'],
    ['sourceAdmin', 's3:BypassGovernanceRetention', 'copyObject', 'denied'],
    ['sourceAdmin', 's3:PutObject', 'copyObject', 'not allowed'],
    ['sourceAdmin', 's3:PutBucketPolicy', 'copyBucket', 'denied'],
    ['sourceAdmin', 's3:PutLifecycleConfiguration', 'copyBucket', 'denied'],
    ['sourceAdmin', 's3:PutBucketObjectLockConfiguration', 'copyBucket', 'denied'],
    ['sourceAdmin', 'kms:ScheduleKeyDeletion', 'copyKey', 'denied'],
    ['sourceAdmin', 'kms:DisableKey', 'copyKey', 'denied'],
    ['sourceAdmin', 'kms:PutKeyPolicy', 'copyKey', 'denied'],
    ['sourceAdmin', 's3:GetObject', 'copyObject', 'not allowed'],
    ['sourceAdmin', 's3:GetBucketVersioning', 'copyBucket', 'allowed'],
    ['sourceAdmin', 's3:ListBucket', 'copyBucket', 'not allowed'],
    ['taggedSourceAdmin', 's3:DeleteObjectVersion', 'copyObject', 'denied'],
    ['taggedSourceAdmin', 's3:PutObjectRetention', 'copyObject', 'denied'],
    ['backupUser', 's3:DeleteObjectVersion', 'copyObject', 'denied'],
    ['backupUser', 's3:PutObject', 'copyObject', 'not allowed'],
  ])('%s: %s on %s is %s', async (who, action, on, expected) => {
    expect(await evaluate(who, action, on)).toBe(expected);
  });
});

describe("the copy's key serves source principals only through S3", () => {
  test.each<[keyof typeof principals, string, Record<string, string | string[]>, Decision]>([
    ['backupUser', 'kms:Decrypt', THROUGH_COPY_S3, 'allowed'],
    ['backupUser', 'kms:Decrypt', { 'kms:ResourceAliases': [`alias/${LINK.bucketName}`] }, 'not allowed'],
    ['backupUser', 'kms:GenerateDataKey', THROUGH_COPY_S3, 'not allowed'],
    ['sourceAdmin', 'kms:Decrypt', THROUGH_COPY_S3, 'not allowed'],
    ['sourceAdmin', 'kms:Decrypt', {}, 'not allowed'],
    ['sourceAdmin', 'kms:Encrypt', THROUGH_COPY_S3, 'not allowed'],
    ['sourceAdmin', 'kms:CreateGrant', {}, 'denied'],
  ])('%s: %s with %j is %s', async (who, action, context, expected) => {
    expect(await evaluate(who, action, 'copyKey', context)).toBe(expected);
  });
});

describe('the drill reader (the tagged backup user) reads the copy and nothing more', () => {
  test.each<[string, keyof typeof targets, Record<string, string | string[]>, Decision]>([
    ['s3:GetObject', 'copyObject', {}, 'allowed'],
    ['s3:ListBucket', 'copyBucket', { 's3:prefix': `${COLLECTION}/` }, 'allowed'],
    ['s3:ListBucket', 'copyBucket', { 's3:prefix': 'other/' }, 'not allowed'],
    ['s3:GetObject', 'copyObjectElsewhere', {}, 'not allowed'],
  ])('%s on %s %j is %s', async (action, on, context, expected) => {
    expect(await evaluate('backupUser', action, on, context)).toBe(expected);
  });

  test('without the tag, the same user is refused by the copy', async () => {
    const { context: _, ...untagged } = principals.backupUser;
    principals = { ...principals, backupUser: untagged };
    try {
      expect(await evaluate('backupUser', 's3:GetObject', 'copyObject')).toBe('not allowed');
    } finally {
      principals = { ...principals, backupUser: { ...untagged, context: COPY_READER } };
    }
  });
});

describe("the copy account's own administrators", () => {
  test.each<[keyof typeof principals, string, keyof typeof targets, Decision]>([
    ['copyAdmin', 's3:DeleteObjectVersion', 'copyObject', 'denied'],
    ['copyAdmin', 's3:BypassGovernanceRetention', 'copyObject', 'denied'],
    ['copyAdmin', 's3:PutLifecycleConfiguration', 'copyBucket', 'denied'],
    ['copyAdmin', 's3:PutBucketPolicy', 'copyBucket', 'denied'],
    ['copyAdmin', 'kms:ScheduleKeyDeletion', 'copyKey', 'denied'],
    ['copyAdmin', 'kms:DisableKey', 'copyKey', 'denied'],
    ['copyAdmin', 'kms:PutKeyPolicy', 'copyKey', 'denied'],
    ['copyAdmin', 's3:PutBucketObjectLockConfiguration', 'copyBucket', 'denied'],
    ['copyAdmin', 's3:PutBucketVersioning', 'copyBucket', 'denied'],
    ['copyAdmin', 's3:PutEncryptionConfiguration', 'copyBucket', 'denied'],
    ['copyAdmin', 's3:GetObject', 'copyObject', 'allowed'],
    // The deployer keeps what a deploy of the copy's stack writes, and still cannot delete.
    ['copyDeployer', 's3:PutLifecycleConfiguration', 'copyBucket', 'allowed'],
    ['copyDeployer', 's3:PutBucketObjectLockConfiguration', 'copyBucket', 'allowed'],
    ['copyDeployer', 's3:PutBucketPolicy', 'copyBucket', 'allowed'],
    ['copyDeployer', 'kms:PutKeyPolicy', 'copyKey', 'allowed'],
    ['copyDeployer', 's3:DeleteObjectVersion', 'copyObject', 'denied'],
    ['copyDeployer', 's3:PutObjectRetention', 'copyObject', 'denied'],
  ])('%s: %s on %s is %s', async (who, action, on, expected) => {
    expect(await evaluate(who, action, on)).toBe(expected);
  });
});
