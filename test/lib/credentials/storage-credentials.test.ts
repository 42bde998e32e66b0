import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ENV } from '../../../contract/environment';
import { parseSecretArns, parseSettings } from '../../../lambda/backup/connect/config';
import { AccessKeyRotation, CockroachBackup, StorageCredentials } from '../../../lib';
import { appWithoutBundling, constructionError, logicalId, synthBackup } from '../fixtures';
import { keylessDeployment } from '../../lambda/helpers/template-roles';

const IDENTITY_ROLE = 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab';
const NODE_ROLE = 'arn:aws:iam::123456789012:role/crdb-nodes';

function synthWith(credentials: (stack: Stack) => StorageCredentials) {
  const stack = new Stack(appWithoutBundling(), 'TestStack');
  const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', storageCredentials: credentials(stack) });
  return { stack, backup, template: Template.fromStack(stack) };
}

function variables(template: Template): Record<string, unknown> {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

const KEY_RESOURCES = ['AWS::IAM::User', 'AWS::IAM::Group', 'AWS::IAM::AccessKey', 'AWS::SecretsManager::RotationSchedule', 'AWS::Lambda::Permission'];

describe.each([
  ['cloudIdentityRole', () => StorageCredentials.cloudIdentityRole(IDENTITY_ROLE)],
  ['implicit', () => StorageCredentials.implicit()],
  ['implicit with nodeRole', (stack: Stack) => StorageCredentials.implicit({ nodeRole: iam.Role.fromRoleArn(stack, 'Nodes', NODE_ROLE) })],
])('keyless credentials: %s', (_, credentials) => {
  const synthesized = synthWith(credentials);

  test('create no IAM user, group, access key, key secret or rotation function', () => {
    for (const type of KEY_RESOURCES) expect(Object.keys(synthesized.template.findResources(type))).toEqual([]);
    // One secret is left: the connection secret; two functions: the backup Lambda and the follow function.
    expect(Object.keys(synthesized.template.findResources('AWS::SecretsManager::Secret'))).toHaveLength(1);
    expect(Object.keys(synthesized.template.findResources('AWS::Lambda::Function')).map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['BackupFollowFunction', 'BackupFunction']);
    expect([synthesized.backup.backupUser, synthesized.backup.accessKey, synthesized.backup.accessKeySecret, synthesized.backup.rotationFunction]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("give the Lambda the implicit mode, no access-key secret and read access to the connection secret only, which its own parser accepts", () => {
    const env = variables(synthesized.template);
    expect(env[ENV.storageAuth]).toBe('implicit');
    expect(env[ENV.accessKeySecretArn]).toBeUndefined();
    // The backup and follow functions each read one secret, the connection secret.
    const reads = synthesized.template.findResources('AWS::IAM::Policy', { Properties: { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })]) } } });
    expect(Object.keys(reads)).toHaveLength(2);
    for (const policy of Object.values(reads)) {
      const secretReads = (policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]).filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'));
      expect(secretReads.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringContaining('BackupConnectionSecret')]);
    }
    // The chain with its references resolved as CloudFormation resolves them (the role's ARN).
    const lambdaEnv = {
      ...Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')),
      ...keylessDeployment(credentials, []).environment,
      [ENV.bucketName]: 'bucket-name',
      [ENV.bucketRegion]: 'eu-west-1',
      [ENV.connectionSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:c',
    } as Record<string, string>;
    expect(parseSettings(lambdaEnv).storageAuth.mode).toBe('implicit');
    expect(parseSecretArns(lambdaEnv).accessKeySecretArn).toBeUndefined();
  });
});

describe('StorageCredentials.cloudIdentityRole', () => {
  const { stack, backup, template } = synthWith(() => StorageCredentials.cloudIdentityRole(IDENTITY_ROLE, { externalId: 'my-cluster-backups' }));

  test("creates BackupRole holding BackupPolicy, trusted only by the cluster's identity role with the external id", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: IDENTITY_ROLE }, Condition: { StringEquals: { 'sts:ExternalId': 'my-cluster-backups' } } }],
      },
      ManagedPolicyArns: [{ Ref: logicalId(stack, backup.backupPolicy) }],
    });
    expect(backup.storageRole).toBeDefined();
  });

  test('chains the identity role first, then BackupRole with the external id', () => {
    const roleId = logicalId(stack, backup.storageRole as iam.Role);
    expect(variables(template)[ENV.assumeRoleChain]).toEqual({ 'Fn::Join': ['', [`${IDENTITY_ROLE},`, { 'Fn::GetAtt': [roleId, 'Arn'] }, ';external_id=my-cluster-backups']] });
  });

  test('derives a stable external id when none is given', () => {
    const first = JSON.stringify(variables(synthWith(() => StorageCredentials.cloudIdentityRole(IDENTITY_ROLE)).template));
    const second = JSON.stringify(variables(synthWith(() => StorageCredentials.cloudIdentityRole(IDENTITY_ROLE)).template));
    expect(first).toMatch(/;external_id=crdb-backup-[A-Za-z0-9]+/);
    expect(first).toBe(second);
  });

  test('fails if the ARN is not a role ARN, naming the prop and what is expected', () => {
    expect(constructionError({ storageCredentials: StorageCredentials.cloudIdentityRole('crl-dr-store-user-123') })).toBe(
      'TestStack/Backup: storageCredentials is cloudIdentityRole("crl-dr-store-user-123"): expected the ARN of the cluster\'s identity role, arn:aws:iam::<account>:role/crl-dr-store-user-<suffix>',
    );
  });

  test('fails if the external id has characters CockroachDB or STS cannot carry', () => {
    expect(constructionError({ storageCredentials: StorageCredentials.cloudIdentityRole(IDENTITY_ROLE, { externalId: 'a,b' }) })).toContain('storageCredentials externalId is "a,b": expected 2 to 1224');
  });

  test('warns when the role is not a backup identity role (crl-dr-store-user-...)', () => {
    const { stack: warned } = synthWith(() => StorageCredentials.cloudIdentityRole('arn:aws:iam::123456789012:role/crl-cdc-sink-user-0123456789ab'));
    Annotations.fromStack(warned).hasWarning('/TestStack/Backup', Match.stringLikeRegexp('not named crl-dr-store-user'));
  });
});

describe('StorageCredentials.implicit', () => {
  test('without nodeRole: BackupRole trusted by the account (its principals need their own permission) with an external id', () => {
    const { stack, backup, template } = synthWith(() => StorageCredentials.implicit());
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { AWS: Match.objectLike({ 'Fn::Join': Match.anyValue() }) }, Condition: { StringEquals: { 'sts:ExternalId': Match.stringLikeRegexp('^crdb-backup-') } } })] },
    });
    const chain = JSON.stringify(variables(template)[ENV.assumeRoleChain]);
    expect(chain).toContain(logicalId(stack, backup.storageRole as iam.Role));
    expect(chain).toContain(';external_id=crdb-backup-');
  });

  test("with nodeRole: BackupPolicy attached to the nodes' role, no role created and no role to assume", () => {
    const { backup, template } = synthWith((stack) => StorageCredentials.implicit({ nodeRole: iam.Role.fromRoleArn(stack, 'Nodes', NODE_ROLE) }));
    expect(Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => id.includes('BackupRole'))).toEqual([]);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['crdb-nodes'] });
    expect(variables(template)[ENV.assumeRoleChain]).toBe('');
    expect(backup.storageRole?.roleArn).toBe(NODE_ROLE);
  });
});

test("fails if nodeRole is of another account than the stack's, whose policy cannot attach to it", () => {
  const stack = new Stack(appWithoutBundling(), 'TestStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const nodeRole = iam.Role.fromRoleArn(stack, 'Nodes', NODE_ROLE);
  expect(() => new CockroachBackup(stack, 'Backup', { collection: 'c', storageCredentials: StorageCredentials.implicit({ nodeRole }) })).toThrow(
    `TestStack/Backup: storageCredentials is implicit({ nodeRole: ${NODE_ROLE} }): expected a role of this stack's account 111122223333`,
  );
});

describe('the access key props in keyless modes', () => {
  test.each([
    ['accessKeySerial', { accessKeySerial: 2 }],
    ['accessKeyRotation', { accessKeyRotation: AccessKeyRotation.disabled() }],
    ['previousKeyGracePeriod', { previousKeyGracePeriod: Duration.days(2) }],
  ])('fails if %s is set, naming it', (prop, props) => {
    expect(constructionError({ storageCredentials: StorageCredentials.implicit(), ...props })).toBe(
      `TestStack/Backup: ${prop} is set: expected to be left out with storageCredentials implicit, which creates no access key`,
    );
  });
});

test('StorageCredentials.accessKey() synthesizes the same template as the default', () => {
  expect(synthBackup({ storageCredentials: StorageCredentials.accessKey() }).template.toJSON()).toEqual(synthBackup().template.toJSON());
});
