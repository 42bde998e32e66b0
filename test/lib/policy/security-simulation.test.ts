import * as fs from 'fs';
import * as path from 'path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BackupKeyProtection, CockroachBackup } from '../../../lib';
import { appWithoutBundling } from '../fixtures';
import { ACCOUNT, decide, Decision, PolicyModel, REGION } from './policy-model';

/**
 * The principal x action table of docs/security.md, evaluated by an IAM policy simulator
 * (@cloud-copilot/iam-simulate) over the synthesized identity, bucket and key policies of a
 * construct with retention, a customer managed bucket key, rotation on and a restore reader.
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

interface Principal {
  readonly column: string;
  readonly arn: string;
  readonly identityPolicies: { name: string; policy: unknown }[];
}

interface Row {
  readonly what: string;
  readonly action: string;
  readonly on: 'object' | 'bucket' | 'bucketKey' | 'accessKeySecret' | 'backupUser';
  readonly context?: Record<string, string>;
}

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
  { what: 'create an access key for the backup user', action: 'iam:CreateAccessKey', on: 'backupUser' },
];

interface Evaluated {
  readonly principals: Principal[];
  readonly cells: Map<string, Decision>;
}

async function evaluate(): Promise<Evaluated> {
  const stack = new Stack(appWithoutBundling(), 'SecurityStack');
  const bucketKey = new kms.Key(stack, 'BucketKey');
  BackupKeyProtection.denyKeyLossExceptTo(bucketKey, [iam.Role.fromRoleArn(stack, 'BreakGlass', BREAK_GLASS)]);
  const backup = new CockroachBackup(stack, 'Backup', { collection: COLLECTION, retention: Duration.days(35), bucketOptions: { encryptionKey: bucketKey } });
  backup.grantRestoreRead(new iam.User(stack, 'RestoreReader'));
  const model = new PolicyModel(Template.fromStack(stack).toJSON().Resources);

  const bucket = model.logicalId('AWS::S3::Bucket', 'BackupBucket');
  const key = model.logicalId('AWS::KMS::Key', 'BucketKey');
  const user = model.logicalId('AWS::IAM::User', 'BackupBackupUser');
  const targets: Record<Row['on'], { arn: string; policy?: unknown }> = {
    object: { arn: `${model.arn(bucket)}/${COLLECTION}/2026/12/06-000000.00/data/1.sst`, policy: model.bucketPolicy(bucket) },
    bucket: { arn: model.arn(bucket), policy: model.bucketPolicy(bucket) },
    bucketKey: { arn: model.arn(key), policy: model.keyPolicy(key) },
    accessKeySecret: { arn: model.arn(model.logicalId('AWS::SecretsManager::Secret', 'BackupAccessKeySecret')) },
    backupUser: { arn: model.arn(user) },
  };
  const principal = (column: string, id: string): Principal => ({ column, arn: model.arn(id), identityPolicies: model.identityPolicies(id) });
  const principals: Principal[] = [
    principal('backup key (cluster)', user),
    principal('backup Lambda', model.logicalId('AWS::IAM::Role', 'BackupFunctionRole')),
    principal('rotation Lambda', model.logicalId('AWS::IAM::Role', 'BackupRotationFunctionRole')),
    principal('restore reader', model.logicalId('AWS::IAM::User', 'RestoreReader')),
    { column: 'administrator', arn: `arn:aws:iam::${ACCOUNT}:role/Administrator`, identityPolicies: [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }] },
    { column: 'deployer', arn: DEPLOYER, identityPolicies: [{ name: 'AdministratorAccess', policy: ADMINISTRATOR_ACCESS }] },
  ];
  const cells = new Map<string, Decision>();
  for (const row of ROWS) {
    for (const p of principals) {
      const target = targets[row.on];
      cells.set(`${row.what}|${p.column}`, await decide({ principal: p.arn, identityPolicies: p.identityPolicies, action: row.action, resource: target.arn, resourcePolicy: target.policy, context: row.context }));
    }
  }
  return { principals, cells };
}

const SYMBOL: Record<Decision, string> = { allowed: 'yes', denied: 'no (denied)', 'not allowed': 'no' };

function markdownTable({ principals, cells }: Evaluated): string {
  const lines = [
    `| Action | ${principals.map((p) => p.column).join(' | ')} |`,
    `| --- | ${principals.map(() => '---').join(' | ')} |`,
    ...ROWS.map((row) => `| ${row.what} (\`${row.action}\`) | ${principals.map((p) => SYMBOL[cells.get(`${row.what}|${p.column}`)!]).join(' | ')} |`),
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
        ['administrator', 'denied'],
        ['deployer', 'allowed'],
      ]);
    }
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
