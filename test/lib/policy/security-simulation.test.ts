import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BackupKeyProtection, CockroachBackup } from '../../../lib';
import { appWithoutBundling } from '../fixtures';
import { ACCOUNT, decide, Decision, DecryptingKey, decideSecretRead, PolicyModel, REGION } from './policy-model';

/**
 * The principal x action table of docs/security.md, evaluated by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) over the synthesized identity, bucket and key policies of a
 * construct with retention, a customer managed bucket key, rotation on, a restore reader and a
 * customer managed key for its secrets (`secretsEncryptionKey`); the rows marked "default key"
 * evaluate the same construct without that key, its secrets under aws/secretsmanager.
 * The table in the docs is checked against this evaluation, so the two cannot drift; run with
 * UPDATE_SECURITY_TABLE=1 to rewrite it after a deliberate change.
 */

const COLLECTION = 'prod/cluster-1';
const DOC = path.join(__dirname, '..', '..', '..', 'docs', 'security.md');
const BEGIN = '<!-- simulated table: test/lib/policy/security-simulation.test.ts -->';
const END = '<!-- end of simulated table -->';

/** The role named in the bucket key's protection, and the role `cdk bootstrap` makes CloudFormation deploy with. */
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT}:role/BreakGlass`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;

/** An administrator, and the CloudFormation execution role CDK's bootstrap creates: AdministratorAccess. */
const ADMINISTRATOR_ACCESS = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The issue's "reader of any secret": an identity allowed GetSecretValue on every secret, and nothing else. */
const ANY_SECRET_READER = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };

type IdentityPolicies = { name: string; policy: unknown }[];

interface Principal {
  readonly column: string;
  readonly arn: string;
  /** Its policies in each evaluated construct (the roles' policies differ with the secrets key). */
  readonly identityPolicies: Record<Variant, IdentityPolicies>;
}

/** The construct with `secretsEncryptionKey`, or the same without it (the secrets under aws/secretsmanager). */
type Variant = 'secretsKey' | 'defaultKey';

interface Row {
  readonly what: string;
  readonly action: string;
  readonly on: 'object' | 'bucket' | 'bucketKey' | 'secretsKey' | 'accessKeySecret' | 'connectionSecret' | 'backupUser';
  readonly context?: Record<string, string>;
  /** @default 'secretsKey' */
  readonly variant?: Variant;
}

/** Rows on a secret read its value: GetSecretValue and Secrets Manager's kms:Decrypt for the caller (decideSecretRead). */
const SECRET_TARGETS: Row['on'][] = ['accessKeySecret', 'connectionSecret'];

const ROWS: Row[] = [
  { what: 'read a backup file', action: 's3:GetObject', on: 'object' },
  { what: 'write a backup file (a new version over an existing one too)', action: 's3:PutObject', on: 'object' },
  { what: 'write with a customer-provided key (SSE-C)', action: 's3:PutObject', on: 'object', context: { 's3:x-amz-server-side-encryption-customer-algorithm': 'AES256' } },
  { what: 'delete a file (adds a delete marker)', action: 's3:DeleteObject', on: 'object' },
  { what: 'delete a version', action: 's3:DeleteObjectVersion', on: 'object' },
  { what: 'bypass GOVERNANCE Object Lock', action: 's3:BypassGovernanceRetention', on: 'object' },
  { what: "change an object's retention", action: 's3:PutObjectRetention', on: 'object' },
  { what: "change the bucket's Object Lock", action: 's3:PutBucketObjectLockConfiguration', on: 'bucket' },
  { what: 'change the lifecycle rules', action: 's3:PutLifecycleConfiguration', on: 'bucket' },
  { what: 'change replication', action: 's3:PutReplicationConfiguration', on: 'bucket' },
  { what: 'change the bucket policy', action: 's3:PutBucketPolicy', on: 'bucket' },
  { what: 'change encryption (unblock SSE-C)', action: 's3:PutEncryptionConfiguration', on: 'bucket' },
  { what: 'decrypt with the bucket key through S3', action: 'kms:Decrypt', on: 'bucketKey', context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
  { what: 'decrypt with the bucket key directly', action: 'kms:Decrypt', on: 'bucketKey' },
  { what: 'schedule the bucket key for deletion', action: 'kms:ScheduleKeyDeletion', on: 'bucketKey' },
  { what: 'disable the bucket key', action: 'kms:DisableKey', on: 'bucketKey' },
  { what: "replace the bucket key's policy", action: 'kms:PutKeyPolicy', on: 'bucketKey' },
  { what: 'read the backup key from its secret', action: 'secretsmanager:GetSecretValue', on: 'accessKeySecret' },
  { what: 'read the SQL password from the connection secret', action: 'secretsmanager:GetSecretValue', on: 'connectionSecret' },
  { what: 'read the backup key from its secret, default key', action: 'secretsmanager:GetSecretValue', on: 'accessKeySecret', variant: 'defaultKey' },
  { what: 'read the SQL password from the connection secret, default key', action: 'secretsmanager:GetSecretValue', on: 'connectionSecret', variant: 'defaultKey' },
  { what: 'decrypt with the secrets key directly', action: 'kms:Decrypt', on: 'secretsKey' },
  { what: 'create an access key for the backup user', action: 'iam:CreateAccessKey', on: 'backupUser' },
];

interface Evaluated {
  readonly principals: Principal[];
  readonly cells: Map<string, Decision>;
}

interface Target {
  readonly arn: string;
  readonly policy?: unknown;
  /** A secret's key, which Secrets Manager decrypts its value with for the caller. */
  readonly decryptedWith?: DecryptingKey;
}

/** The synthesized construct (with the secrets key, or without) and what the rows act on in it. */
function synthesized(variant: Variant): { model: PolicyModel; targets: Partial<Record<Row['on'], Target>> } {
  const stack = new Stack(appWithoutBundling(), 'SecurityStack');
  const bucketKey = new kms.Key(stack, 'BucketKey');
  BackupKeyProtection.denyKeyLossExceptTo(bucketKey, [iam.Role.fromRoleArn(stack, 'BreakGlass', BREAK_GLASS)]);
  const secretsEncryptionKey = variant === 'secretsKey' ? new kms.Key(stack, 'SecretsKey') : undefined;
  const backup = new CockroachBackup(stack, 'Backup', { collection: COLLECTION, retention: Duration.days(35), bucketOptions: { encryptionKey: bucketKey }, secretsEncryptionKey });
  backup.grantRestoreRead(new iam.User(stack, 'RestoreReader'));
  const model = new PolicyModel(Template.fromStack(stack).toJSON().Resources);

  const bucket = model.logicalId('AWS::S3::Bucket', 'BackupBucket');
  const key = (prefix: string): Target => {
    const id = model.logicalId('AWS::KMS::Key', prefix);
    return { arn: model.arn(id), policy: model.keyPolicy(id) };
  };
  const secret = (prefix: string): Target => {
    const id = model.logicalId('AWS::SecretsManager::Secret', prefix);
    return { arn: model.arn(id), decryptedWith: model.secretKey(id) };
  };
  const targets: Partial<Record<Row['on'], Target>> = {
    object: { arn: `${model.arn(bucket)}/${COLLECTION}/2026/12/06-000000.00/data/1.sst`, policy: model.bucketPolicy(bucket) },
    bucket: { arn: model.arn(bucket), policy: model.bucketPolicy(bucket) },
    bucketKey: key('BucketKey'),
    secretsKey: variant === 'secretsKey' ? key('SecretsKey') : undefined,
    accessKeySecret: secret('BackupAccessKeySecret'),
    connectionSecret: secret('BackupConnectionSecret'),
    backupUser: { arn: model.arn(model.logicalId('AWS::IAM::User', 'BackupBackupUser')) },
  };
  return { model, targets };
}

async function evaluate(): Promise<Evaluated> {
  const constructs = { secretsKey: synthesized('secretsKey'), defaultKey: synthesized('defaultKey') };
  const fixed = (column: string, arn: string, policy: IdentityPolicies): Principal => ({ column, arn, identityPolicies: { secretsKey: policy, defaultKey: policy } });
  const principal = (column: string, type: string, prefix: string): Principal => {
    const id = constructs.secretsKey.model.logicalId(type, prefix);
    return {
      column,
      arn: constructs.secretsKey.model.arn(id),
      identityPolicies: { secretsKey: constructs.secretsKey.model.identityPolicies(id), defaultKey: constructs.defaultKey.model.identityPolicies(id) },
    };
  };
  const principals: Principal[] = [
    principal('backup key (cluster)', 'AWS::IAM::User', 'BackupBackupUser'),
    principal('backup Lambda', 'AWS::IAM::Role', 'BackupFunctionRole'),
    principal('rotation Lambda', 'AWS::IAM::Role', 'BackupRotationFunctionRole'),
    principal('restore reader', 'AWS::IAM::User', 'RestoreReader'),
    fixed('reader of any secret', `arn:aws:iam::${ACCOUNT}:role/SecretReader`, [{ name: 'GetSecretValueOnAll', policy: ANY_SECRET_READER }]),
    fixed('administrator', `arn:aws:iam::${ACCOUNT}:role/Administrator`, [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }]),
    fixed('deployer', DEPLOYER, [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }]),
  ];
  const cells = new Map<string, Decision>();
  for (const row of ROWS) {
    const variant = row.variant ?? 'secretsKey';
    const target = constructs[variant].targets[row.on];
    if (target === undefined) throw new Error(`no ${row.on} in the construct of the ${variant} variant`);
    for (const p of principals) {
      const request = { principal: p.arn, identityPolicies: p.identityPolicies[variant], resource: target.arn, resourcePolicy: target.policy, context: row.context };
      const decision = target.decryptedWith === undefined ? await decide({ ...request, action: row.action }) : await decideSecretRead(request, target.decryptedWith);
      cells.set(`${row.what}|${p.column}`, decision);
    }
  }
  return { principals, cells };
}

const SYMBOL: Record<Decision, string> = { allowed: 'yes', denied: 'no (denied)', 'not allowed': 'no' };

function actionOf(row: Row): string {
  return SECRET_TARGETS.includes(row.on) ? `\`${row.action}\`, and \`kms:Decrypt\` through Secrets Manager` : `\`${row.action}\``;
}

function markdownTable({ principals, cells }: Evaluated): string {
  const lines = [
    `| Action | ${principals.map((p) => p.column).join(' | ')} |`,
    `| --- | ${principals.map(() => '---').join(' | ')} |`,
    ...ROWS.map((row) => `| ${row.what} (${actionOf(row)}) | ${principals.map((p) => SYMBOL[cells.get(`${row.what}|${p.column}`)!]).join(' | ')} |`),
  ];
  return lines.join('\n');
}

describe('who can do what, by an IAM policy simulator', () => {
  let evaluated: Evaluated;
  const cell = (what: string, column: string) => evaluated.cells.get(`${what}|${column}`);

  beforeAll(async () => {
    evaluated = await evaluate();
  }, 120_000);

  test('the backup key reads and writes backup files, and nothing else on the bucket or its key', () => {
    const allowed = ROWS.filter((row) => cell(row.what, 'backup key (cluster)') === 'allowed').map((row) => row.what);
    expect(allowed).toEqual(['read a backup file', 'write a backup file (a new version over an existing one too)', 'decrypt with the bucket key through S3']);
  });

  test('nobody can write with a customer-provided key: the bucket policy denies it even to an administrator', () => {
    for (const p of evaluated.principals) expect(cell('write with a customer-provided key (SSE-C)', p.column)).toBe('denied');
  });

  test.each(['backup Lambda', 'rotation Lambda', 'restore reader'])('the %s cannot write, delete, bypass a lock or change the bucket', (column) => {
    const destructive = ROWS.filter((row) => row.on === 'object' || row.on === 'bucket').filter((row) => row.what !== 'read a backup file');
    for (const row of destructive) expect([row.what, cell(row.what, column)]).toEqual([row.what, expect.stringMatching(/^(not allowed|denied)$/)]);
  });

  test('only the Lambdas and an administrator can read the backup key; only the rotation Lambda and an administrator mint one', () => {
    const readers = evaluated.principals.filter((p) => cell('read the backup key from its secret', p.column) === 'allowed').map((p) => p.column);
    expect(readers).toEqual(['backup Lambda', 'rotation Lambda', 'administrator', 'deployer']);
    const minters = evaluated.principals.filter((p) => cell('create an access key for the backup user', p.column) === 'allowed').map((p) => p.column);
    expect(minters).toEqual(['rotation Lambda', 'administrator', 'deployer']);
  });

  test('with BackupKeyProtection on the bucket key, only the deployer (and the named break-glass role) can delete, disable or re-policy it', () => {
    for (const what of ['schedule the bucket key for deletion', 'disable the bucket key', "replace the bucket key's policy"]) {
      expect(evaluated.principals.map((p) => [p.column, cell(what, p.column)])).toEqual([
        ['backup key (cluster)', 'denied'],
        ['backup Lambda', 'denied'],
        ['rotation Lambda', 'denied'],
        ['restore reader', 'denied'],
        ['reader of any secret', 'denied'],
        ['administrator', 'denied'],
        ['deployer', 'allowed'],
      ]);
    }
  });

  const readersOf = (what: string) => evaluated.principals.filter((p) => cell(what, p.column) === 'allowed').map((p) => p.column);

  test("with the AWS managed key, a reader of any secret reads both secrets: its key policy admits every principal of the account through Secrets Manager", () => {
    expect(readersOf('read the backup key from its secret, default key')).toEqual(['backup Lambda', 'rotation Lambda', 'reader of any secret', 'administrator', 'deployer']);
    expect(readersOf('read the SQL password from the connection secret, default key')).toEqual(['backup Lambda', 'reader of any secret', 'administrator', 'deployer']);
  });

  test('with secretsEncryptionKey, GetSecretValue on * no longer reads them: Secrets Manager decrypts with the caller\'s permissions on the key', () => {
    expect(readersOf('read the backup key from its secret')).toEqual(['backup Lambda', 'rotation Lambda', 'administrator', 'deployer']);
    expect(readersOf('read the SQL password from the connection secret')).toEqual(['backup Lambda', 'administrator', 'deployer']);
  });

  test('the functions use the secrets key only through Secrets Manager, never directly', () => {
    expect(readersOf('decrypt with the secrets key directly')).toEqual(['administrator', 'deployer']);
  });

  test("under a key policy that only delegates to the account (an imported key), the encryption context limits each function to its own secrets", async () => {
    const stack = new Stack(appWithoutBundling(), 'ImportedSecretsKeyStack');
    const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    new CockroachBackup(stack, 'Backup', { collection: COLLECTION, secretsEncryptionKey: kms.Key.fromKeyArn(stack, 'SecretsKey', keyArn) });
    const model = new PolicyModel(Template.fromStack(stack).toJSON().Resources);
    // KMS's default key policy: the account's IAM policies decide.
    const key = { arn: keyArn, policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] } };
    const secrets = { connection: model.arn(model.logicalId('AWS::SecretsManager::Secret', 'BackupConnectionSecret')), accessKey: model.arn(model.logicalId('AWS::SecretsManager::Secret', 'BackupAccessKeySecret')) };
    const decrypts = async (rolePrefix: string, secretArn: string) => {
      const role = model.logicalId('AWS::IAM::Role', rolePrefix);
      return decide({
        principal: model.arn(role),
        identityPolicies: model.identityPolicies(role),
        action: 'kms:Decrypt',
        resource: key.arn,
        resourcePolicy: key.policy,
        context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:SecretARN': secretArn },
      });
    };
    expect([await decrypts('BackupFollowFunctionRole', secrets.connection), await decrypts('BackupFollowFunctionRole', secrets.accessKey)]).toEqual(['allowed', 'not allowed']);
    expect([await decrypts('BackupRotationFunctionRole', secrets.accessKey), await decrypts('BackupRotationFunctionRole', secrets.connection)]).toEqual(['allowed', 'not allowed']);
    expect([await decrypts('BackupFunctionRole', secrets.connection), await decrypts('BackupFunctionRole', secrets.accessKey)]).toEqual(['allowed', 'allowed']);
    const someOtherSecret = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-AbCdEf`;
    expect(await decrypts('BackupFunctionRole', someOtherSecret)).toBe('not allowed');
  });

  test('the backup key and the restore reader use the bucket key only through S3', () => {
    for (const column of ['backup key (cluster)', 'restore reader']) {
      expect([cell('decrypt with the bucket key through S3', column), cell('decrypt with the bucket key directly', column)]).toEqual(['allowed', 'not allowed']);
    }
  });

  test('docs/security.md shows exactly this table', () => {
    const table = markdownTable(evaluated);
    const doc = fs.readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect([start, end].every((i) => i >= 0) && start < end).toBe(true);
    if (process.env.UPDATE_SECURITY_TABLE === '1') {
      fs.writeFileSync(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
      return;
    }
    expect(doc.slice(start + BEGIN.length, end).trim()).toBe(table);
  });
});
