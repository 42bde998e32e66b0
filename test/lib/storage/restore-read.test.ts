import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CockroachBackup, CockroachBackupProps } from '../../../lib';
import { appWithoutBundling, logicalId } from '../fixtures';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

interface Reader {
  readonly stack: Stack;
  readonly backup: CockroachBackup;
  readonly user: iam.User;
  readonly grant: iam.Grant;
  /** The statements of every IAM policy attached to the reader. */
  readonly statements: Statement[];
}

/** A stack with a CockroachBackup and an IAM user 'RestoreReader' granted read access. */
function restoreReader(props: Partial<CockroachBackupProps> = {}, build: (stack: Stack) => Partial<CockroachBackupProps> = () => ({})): Reader {
  const stack = new Stack(appWithoutBundling(), 'RestoreStack');
  const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', ...props, ...build(stack) });
  const user = new iam.User(stack, 'RestoreReader');
  const grant = backup.grantRestoreRead(user);
  const userId = logicalId(stack, user);
  const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Users ?? []).includes(userId),
  );
  const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
  return { stack, backup, user, grant, statements };
}

const actionsOf = (statements: readonly Statement[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();

describe('grantRestoreRead', () => {
  test('gives exactly GetObject below the collection and ListBucket limited to the collection prefix', () => {
    const { stack, backup, statements } = restoreReader();
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack, backup.bucket as s3.Bucket), 'Arn'] };
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [bucketArn, '/prod/cluster-1/*']] } },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': ['prod/cluster-1', 'prod/cluster-1/*'] } },
      },
    ]);
  });

  test('scopes the listing exactly as the backup user is scoped', () => {
    const { stack, backup, statements } = restoreReader();
    const backupUserPolicy = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')[logicalId(stack, backup.backupPolicy)];
    const backupList = (backupUserPolicy?.Properties.PolicyDocument.Statement as (Statement & { Sid: string })[]).find((s) => s.Sid === 'ListCollection');
    const readerList = statements.find((s) => s.Action === 's3:ListBucket');
    expect(readerList).toEqual({ Effect: 'Allow', Action: backupList?.Action, Resource: backupList?.Resource, Condition: backupList?.Condition });
  });

  test('gives nothing that writes, deletes, encrypts or uses a wildcard action', () => {
    for (const { statements } of [restoreReader(), restoreReader({}, (stack) => ({ bucketOptions: { encryptionKey: new kms.Key(stack, 'Key') } }))]) {
      const actions = actionsOf(statements);
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a) => /Put|Delete|Write|Create|Restore|Replicat|Acl|Tagging|Encrypt|GenerateDataKey|ReEncrypt|\*/i.test(a))).toEqual([]);
      expect(actions.every((a) => ['s3:GetObject', 's3:ListBucket', 'kms:Decrypt'].includes(a))).toBe(true);
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    }
  });

  test('adds kms:Decrypt, and only that, on the bucket key when the bucket uses KMS', () => {
    let key: kms.Key | undefined;
    const { stack, statements } = restoreReader({}, (s) => {
      key = new kms.Key(s, 'Key');
      return { bucketOptions: { encryptionKey: key } };
    });
    expect(actionsOf(statements)).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    expect(statements.find((s) => s.Action === 'kms:Decrypt')).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: { 'Fn::GetAtt': [logicalId(stack, key!), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
    });
  });

  test('gives no KMS permission when the bucket uses S3-managed keys', () => {
    expect(JSON.stringify(restoreReader().statements)).not.toContain('kms:');
  });

  test('works for an existing imported bucket, through the reader\'s policy only (no bucket policy)', () => {
    const { stack, statements } = restoreReader({}, (s) => ({ bucket: s3.Bucket.fromBucketName(s, 'Existing', 'existing-backups') }));
    const arn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::existing-backups${suffix}`]] });
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      ['s3:GetObject', arn('/prod/cluster-1/*')],
      ['s3:ListBucket', arn('')],
    ]);
    Template.fromStack(stack).resourceCountIs('AWS::S3::BucketPolicy', 0);
  });

  test('decrypts with the key of an existing bucket when the imported bucket names it', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const { statements } = restoreReader({}, (s) => ({
      bucket: s3.Bucket.fromBucketAttributes(s, 'Existing', { bucketName: 'existing-backups', encryptionKey: kms.Key.fromKeyArn(s, 'ExistingKey', keyArn) }),
    }));
    expect(statements.find((s) => s.Action === 'kms:Decrypt')?.Resource).toBe(keyArn);
  });

  test('returns a successful grant with the statements it added, and adds no construct to the backup', () => {
    const { backup, grant } = restoreReader();
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.map((s) => s.actions)).toEqual([['s3:GetObject'], ['s3:ListBucket']]);
    expect(backup.node.tryFindChild('RestoreReader')).toBeUndefined();
  });

  test('grants a role the same read access', () => {
    const stack = new Stack(appWithoutBundling(), 'RoleStack');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c' });
    const role = new iam.Role(stack, 'RestoreRole', { assumedBy: new iam.AccountRootPrincipal() });
    backup.grantRestoreRead(role);
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.Roles ?? []).includes(logicalId(stack, role)));
    expect(actionsOf(policy?.Properties.PolicyDocument.Statement as Statement[])).toEqual(['s3:GetObject', 's3:ListBucket']);
  });

  test('leaves the backup user\'s policy as it was', () => {
    const without = new Stack(appWithoutBundling(), 'RestoreStack');
    const plain = new CockroachBackup(without, 'Backup', { collection: 'prod/cluster-1' });
    const { stack, backup } = restoreReader();
    const backupPolicy = (s: Stack, b: CockroachBackup) => Template.fromStack(s).findResources('AWS::IAM::ManagedPolicy')[logicalId(s, b.backupPolicy)];
    expect(backupPolicy(stack, backup)).toBeDefined();
    expect(backupPolicy(stack, backup)).toEqual(backupPolicy(without, plain));
  });
});
