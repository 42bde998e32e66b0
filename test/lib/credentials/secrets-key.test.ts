import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { CockroachBackup, CockroachBackupProps, StorageCredentials } from '../../../lib';
import { appWithoutBundling, constructionError, logicalId } from '../fixtures';

interface Built {
  readonly stack: Stack;
  readonly backup: CockroachBackup;
  readonly template: Template;
  /** Logical id of the stack's key 'SecretsKey'. */
  readonly keyId: string;
}

/** A stack with a key 'SecretsKey' and a construct whose props may use it. */
function build(props: (key: kms.Key, stack: Stack) => Partial<CockroachBackupProps>): Built {
  const stack = new Stack(appWithoutBundling(), 'SecretsKeyStack');
  const key = new kms.Key(stack, 'SecretsKey');
  const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', ...props(key, stack) });
  return { stack, backup, template: Template.fromStack(stack), keyId: logicalId(stack, key) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>>; Effect: string };

/** The statements of a role's default policy that name a KMS action. */
function kmsStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => id.startsWith(`${rolePrefix}DefaultPolicy`));
  expect(policies).toHaveLength(1);
  const statements = (policies[0][1].Properties.PolicyDocument.Statement as Statement[]).filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
  return statements;
}

const secretsManagerOfThisRegion = { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] };

/** kms `actions` on the key for one secret, through Secrets Manager only. */
function throughSecretsManager(actions: string | string[], keyId: string, secretId: string): Statement {
  return {
    Action: actions,
    Effect: 'Allow',
    Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
    Condition: { StringEquals: { 'kms:ViaService': secretsManagerOfThisRegion, 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
  };
}

function secretId(built: Built, prefix: string): string {
  const ids = Object.keys(built.template.findResources('AWS::SecretsManager::Secret')).filter((id) => id.startsWith(prefix));
  expect(ids).toHaveLength(1);
  return ids[0];
}

describe('secretsEncryptionKey', () => {
  test('encrypts both secrets the construct creates with the key, under the same logical ids as without it (an in-place update)', () => {
    const without = build(() => ({}));
    const withKey = build((key) => ({ secretsEncryptionKey: key }));
    const secrets = (b: Built) => b.template.findResources('AWS::SecretsManager::Secret');
    expect(Object.keys(secrets(withKey)).sort()).toEqual(Object.keys(secrets(without)).sort());
    expect(Object.keys(secrets(withKey))).toHaveLength(2);
    for (const [id, secret] of Object.entries(secrets(withKey))) {
      expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [withKey.keyId, 'Arn'] });
      // KmsKeyId is the only property that changes: nothing else of the secret is touched by the switch.
      const { KmsKeyId: _key, ...rest } = secret.Properties;
      expect(rest).toEqual(secrets(without)[id].Properties);
    }
  });

  test('leaves both secrets under the AWS managed key by default, and no function gets a KMS permission for them', () => {
    const { template } = build(() => ({}));
    template.allResourcesProperties('AWS::SecretsManager::Secret', { KmsKeyId: Match.absent() });
    for (const role of ['BackupFunctionRole', 'BackupFollowFunctionRole', 'BackupRotationFunctionRole']) expect(kmsStatements(template, role)).toEqual([]);
  });

  test('each function may use the key only through Secrets Manager and only for the secrets it reads (or writes)', () => {
    const built = build((key) => ({ secretsEncryptionKey: key }));
    const [connection, accessKey] = [secretId(built, 'BackupConnectionSecret'), secretId(built, 'BackupAccessKeySecret')];
    expect(kmsStatements(built.template, 'BackupFunctionRole')).toEqual([
      throughSecretsManager('kms:Decrypt', built.keyId, connection),
      throughSecretsManager('kms:Decrypt', built.keyId, accessKey),
    ]);
    expect(kmsStatements(built.template, 'BackupFollowFunctionRole')).toEqual([throughSecretsManager('kms:Decrypt', built.keyId, connection)]);
    expect(kmsStatements(built.template, 'BackupRotationFunctionRole')).toEqual([throughSecretsManager(['kms:Decrypt', 'kms:GenerateDataKey'], built.keyId, accessKey)]);
  });

  test("admits the functions in a same-stack key's policy, through Secrets Manager of this account only", () => {
    const built = build((key) => ({ secretsEncryptionKey: key }));
    const statements = built.template.findResources('AWS::KMS::Key')[built.keyId].Properties.KeyPolicy.Statement as Record<string, unknown>[];
    const ours = statements.filter((s) => typeof s.Sid === 'string' && s.Sid.startsWith('AllowSecret')).map(({ Sid, ...rest }) => ({ Sid: String(Sid).replace(/ThroughSecretsManager.*$/, ''), ...rest }));
    const role = (prefix: string) => ({ 'Fn::GetAtt': [Object.keys(built.template.findResources('AWS::IAM::Role')).find((id) => id.startsWith(prefix)), 'Arn'] });
    const conditions = { StringEquals: { 'kms:ViaService': secretsManagerOfThisRegion, 'kms:CallerAccount': { Ref: 'AWS::AccountId' } } };
    expect(ours).toEqual([
      {
        Sid: 'AllowSecretReaders',
        Effect: 'Allow',
        Principal: { AWS: [role('BackupFunctionRole'), role('BackupFollowFunctionRole'), role('BackupRotationFunctionRole')] },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: conditions,
      },
      { Sid: 'AllowSecretWriters', Effect: 'Allow', Principal: { AWS: role('BackupRotationFunctionRole') }, Action: 'kms:GenerateDataKey', Resource: '*', Condition: conditions },
    ]);
  });

  test('two constructs may share one key: each adds statements of its own', () => {
    const stack = new Stack(appWithoutBundling(), 'SharedKeyStack');
    const key = new kms.Key(stack, 'SecretsKey');
    new CockroachBackup(stack, 'One', { collection: 'one', secretsEncryptionKey: key });
    new CockroachBackup(stack, 'Two', { collection: 'two', secretsEncryptionKey: key });
    const statements = Template.fromStack(stack).findResources('AWS::KMS::Key')[logicalId(stack, key)].Properties.KeyPolicy.Statement as { Sid?: string }[];
    const sids = statements.map((s) => s.Sid).filter((sid) => sid?.startsWith('AllowSecret'));
    expect(sids).toHaveLength(4);
    expect(new Set(sids).size).toBe(4);
  });

  test('an imported connection secret keeps its own key; the functions may decrypt with it through Secrets Manager, for that secret', () => {
    const built = build((key, stack) => ({
      secretsEncryptionKey: key,
      connectionSecret: secretsmanager.Secret.fromSecretAttributes(stack, 'Connection', {
        secretCompleteArn: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:crdb-AbCdEf',
        encryptionKey: kms.Key.fromKeyArn(stack, 'TheirKey', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
      }),
    }));
    expect(Object.keys(built.template.findResources('AWS::SecretsManager::Secret'))).toEqual([secretId(built, 'BackupAccessKeySecret')]);
    const theirs = {
      Action: 'kms:Decrypt',
      Effect: 'Allow',
      Resource: 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      Condition: { StringEquals: { 'kms:ViaService': secretsManagerOfThisRegion, 'kms:EncryptionContext:SecretARN': 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:crdb-AbCdEf' } },
    };
    expect(kmsStatements(built.template, 'BackupFollowFunctionRole')).toEqual([theirs]);
    expect(kmsStatements(built.template, 'BackupFunctionRole')).toEqual([theirs, throughSecretsManager('kms:Decrypt', built.keyId, secretId(built, 'BackupAccessKeySecret'))]);
    // The follow function reads only the imported secret: the key policy admits it to nothing.
    const statements = built.template.findResources('AWS::KMS::Key')[built.keyId].Properties.KeyPolicy.Statement as { Principal?: { AWS?: unknown } }[];
    expect(JSON.stringify(statements)).not.toContain('BackupFollowFunctionRole');
  });

  test('an imported key or a key of another stack: the roles get their statements, the key policy is left alone, without a warning', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const keyStack = new Stack(app, 'KeyStack');
    const otherStackKey = new kms.Key(keyStack, 'SecretsKey');
    const stack = new Stack(app, 'BackupStack');
    const imported = kms.Key.fromKeyArn(stack, 'ImportedKey', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    new CockroachBackup(stack, 'Imported', { collection: 'imported', secretsEncryptionKey: imported });
    new CockroachBackup(stack, 'OtherStack', { collection: 'other-stack', secretsEncryptionKey: otherStackKey });
    const template = Template.fromStack(stack);
    // Synthesizing both stacks proves there is no cycle between them; the key names none of our roles.
    const keyPolicy = JSON.stringify(Template.fromStack(keyStack).findResources('AWS::KMS::Key'));
    expect(keyPolicy).not.toMatch(/AllowSecret|FunctionRole/);
    expect(kmsStatements(template, 'ImportedFollowFunctionRole')).toEqual([
      expect.objectContaining({ Action: 'kms:Decrypt', Resource: imported.keyArn, Condition: expect.objectContaining({ StringEquals: expect.objectContaining({ 'kms:ViaService': secretsManagerOfThisRegion }) }) }),
    ]);
    expect(kmsStatements(template, 'OtherStackFollowFunctionRole')).toHaveLength(1);
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('key|Key'));
  });

  test('is refused when the construct creates no secret to encrypt', () => {
    const error = constructionError({
      storageCredentials: StorageCredentials.implicit(),
      connectionSecret: secretsmanager.Secret.fromSecretNameV2(new Stack(), 'Connection', 'crdb'),
      secretsEncryptionKey: kms.Key.fromKeyArn(new Stack(), 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab'),
    });
    expect(error).toMatch(/secretsEncryptionKey.*set.*left out when the construct creates no secret/);
  });

  test('in a keyless mode encrypts the connection secret the construct creates', () => {
    const built = build((key) => ({ secretsEncryptionKey: key, storageCredentials: StorageCredentials.implicit() }));
    built.template.resourcePropertiesCountIs('AWS::SecretsManager::Secret', { KmsKeyId: { 'Fn::GetAtt': [built.keyId, 'Arn'] } }, 1);
    expect(kmsStatements(built.template, 'BackupFunctionRole')).toEqual([throughSecretsManager('kms:Decrypt', built.keyId, secretId(built, 'BackupConnectionSecret'))]);
  });
});
