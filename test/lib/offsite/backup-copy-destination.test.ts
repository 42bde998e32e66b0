import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { BackupCopyDestination } from '../../../lib';
import { appWithoutBundling, synthBackup } from '../fixtures';
import { errorOf, LINK, twoSides } from './fixtures';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };

function statements(template: Template, type: 'AWS::S3::BucketPolicy' | 'AWS::KMS::Key'): Statement[] {
  const resource = Object.values(template.findResources(type))[0];
  const document = type === 'AWS::KMS::Key' ? resource.Properties.KeyPolicy : resource.Properties.PolicyDocument;
  return document.Statement as Statement[];
}

function bySid(list: Statement[], sid: string): Statement {
  const found = list.find((s) => s.Sid === sid);
  if (found === undefined) throw new Error(`no statement ${sid} in ${JSON.stringify(list.map((s) => s.Sid))}`);
  return found;
}

describe('BackupCopyDestination', () => {
  const { copyTemplate: template, copy, copyStack } = twoSides();

  test('creates a retained, versioned bucket named by the link, with Object Lock GOVERNANCE for the retention window by default', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: LINK.bucketName,
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        // 35 days + one daily chain span + one span of margin, as the primary's default lock.
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 37 } } },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    });
  });

  test('encrypts with its own rotating key (bucket key on), aliased as the link says, and blocks SSE-C like the primary', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/${LINK.bucketName}` });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() }, BlockedEncryptionTypes: { EncryptionType: ['SSE-C'] } },
        ],
      },
    });
    expect(copy.bucket.encryptionKey).toBe(copy.key);
  });

  test('expires the collection with the same lifecycle rules as a primary with the same retention (one computation serves both)', () => {
    const rules = (t: Template) => (Object.values(t.findResources('AWS::S3::Bucket'))[0].Properties.LifecycleConfiguration as { Rules: unknown[] }).Rules;
    const primary = synthBackup({ retention: Duration.days(35) }).template;
    expect(rules(template)).toEqual(rules(primary));
    expect(JSON.stringify(rules(template))).toContain('"ExpirationInDays":37');
  });

  test('keyAlias overrides the default alias', () => {
    const { copyTemplate } = twoSides({ ...LINK, keyAlias: 'alias/crdb/copy' });
    copyTemplate.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/crdb/copy' });
  });

  test('objectLock COMPLIANCE is passed through', () => {
    const { copyTemplate } = twoSides(LINK, {}, { objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(400) } });
    copyTemplate.hasResourceProperties('AWS::S3::Bucket', { ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } } } });
  });

  test('admits the replication role by aws:PrincipalArn under the source account (a role that may not exist yet cannot be a principal)', () => {
    const role = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${LINK.sourceAccount}:role/${LINK.replicationRoleName}`]] };
    const replicate = bySid(statements(template, 'AWS::S3::BucketPolicy'), 'AllowReplicationIntoTheCollection');
    expect(replicate).toMatchObject({ Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'], Condition: { ArnEquals: { 'aws:PrincipalArn': role } } });
    const encrypt = bySid(statements(template, 'AWS::KMS::Key'), 'AllowReplicationToEncryptThroughS3');
    expect(encrypt).toMatchObject({
      Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
      Condition: { ArnEquals: { 'aws:PrincipalArn': role }, StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('s3:ReplicateDelete');
  });

  test('denies deletion and shorter locks to every principal, and protection changes to all but the deployer and key administrators', () => {
    const { copyTemplate } = twoSides(LINK, {}, { keyAdministrators: [iam.Role.fromRoleArn(copyStack, 'BreakGlass', 'arn:aws:iam::222222222222:role/BreakGlass')] });
    const list = statements(copyTemplate, 'AWS::S3::BucketPolicy');
    expect(bySid(list, 'DenyDeletionAndShorterLocks')).toMatchObject({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:BypassGovernanceRetention'],
    });
    expect(bySid(list, 'DenyDeletionAndShorterLocks').Condition).toBeUndefined();
    const protection = bySid(list, 'DenyProtectionChangesExceptToAdministrators');
    expect(protection.Action).toEqual(expect.arrayContaining(['s3:PutLifecycleConfiguration', 's3:PutBucketObjectLockConfiguration', 's3:PutBucketPolicy']));
    expect(JSON.stringify(protection.Condition)).toContain('role/BreakGlass');
    expect(JSON.stringify(protection.Condition)).toContain('cdk-hnb659fds-cfn-exec-role-222222222222-eu-central-1');
    // The same administrators protect the key.
    expect(JSON.stringify(bySid(statements(copyTemplate, 'AWS::KMS::Key'), 'DenyKeyLossExceptToKeyAdministrators'))).toContain('role/BreakGlass');
  });

  test('grantRestoreRead gives a principal of the copy account read on the collection and decrypt through S3', () => {
    const stack = new Stack(appWithoutBundling(), 'Copy', { env: { account: LINK.destinationAccount, region: LINK.destinationRegion } });
    const destination = new BackupCopyDestination(stack, 'Copy', { link: LINK, collection: 'prod/cluster-1', retention: Duration.days(35) });
    destination.grantRestoreRead(new iam.User(stack, 'Reader'));
    const policy = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policy).toContain('"s3:GetObject"');
    expect(policy).toContain('/prod/cluster-1/*');
    expect(policy).toContain('"kms:Decrypt"');
    expect(policy).toContain('s3.eu-central-1.amazonaws.com');
    expect(policy).not.toMatch(/s3:PutObject|s3:Delete/);
  });

  test('names its own objectLock prop in errors', () => {
    const stack = new Stack(appWithoutBundling(), 'Copy');
    const objectLock = { mode: s3.ObjectLockMode.GOVERNANCE, defaultRetention: Duration.hours(36) };
    expect(errorOf(() => new BackupCopyDestination(stack, 'Copy', { link: LINK, collection: 'prod/cluster-1', retention: Duration.days(35), objectLock }))).toBe(
      'Copy/Copy: objectLock.defaultRetention is 1 day 12 hours: expected a whole number of days (S3 retention counts days)',
    );
  });

  test('fails in a stack of another environment than the link names', () => {
    const stack = new Stack(appWithoutBundling(), 'Wrong', { env: { account: LINK.destinationAccount, region: 'us-east-1' } });
    expect(errorOf(() => new BackupCopyDestination(stack, 'Copy', { link: LINK, collection: 'prod/cluster-1', retention: Duration.days(35) }))).toBe(
      'Wrong/Copy: link.destinationRegion is "eu-central-1": expected the region of the stack of the destination side (us-east-1)',
    );
  });

  test('fails without retention it can compute a window from', () => {
    const stack = new Stack(appWithoutBundling(), 'Copy', { env: { account: LINK.destinationAccount, region: LINK.destinationRegion } });
    expect(errorOf(() => new BackupCopyDestination(stack, 'Copy', { link: LINK, collection: 'prod/cluster-1', retention: Duration.hours(36) }))).toMatch(
      /^Copy\/Copy: retention is 1 day 12 hours: expected a whole number of days/,
    );
  });
});
