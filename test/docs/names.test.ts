import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lib from '../../lib';
import { CockroachBackup, StorageCredentials } from '../../lib';
import { guideFiles, readGuideFile, withoutCodeBlocks } from './markdown';
import { interfaceProps } from './props';

/**
 * Every construct ID, prop, alarm and metric name that README.md and docs/ mention in a
 * code span exists in the code: construct IDs and alarms in the synthesized template of a
 * construct with every optional part on, metric names in the exported METRICS contract and
 * the template's alarms, props in the props interfaces, members in the construct's public
 * API. A renamed alarm, metric or prop fails this test until the docs follow.
 */

/** The code spans of a Markdown text's prose and tables, with the file and line they are on. */
function codeSpans(file: string): { file: string; line: number; text: string }[] {
  return withoutCodeBlocks(readGuideFile(file))
    .split('\n')
    .flatMap((line, index) => [...line.matchAll(/`([^`\n]+)`/g)].map((m) => ({ file, line: index + 1, text: m[1] })));
}

/** PascalCase words, e.g. `BackupFailedAlarm`, `FilesMissing`, `DrillState`. */
const PASCAL = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+$/;
/** A camelCase name or path at the start of a span, e.g. `fileCheckTimeout`, `bucketOptions.objectLock`, `autoRebaseline: true`. */
const CAMEL_PATH = /^([a-z][a-z0-9]*[A-Z][A-Za-z0-9]*|[a-z][a-z0-9]*)((?:\.[a-z][A-Za-z0-9]*)*)(?=$|[:(\s])/;

/**
 * PascalCase names the guide uses that belong to AWS, CockroachDB or the examples, not to
 * this construct, each with where it comes from.
 */
const OTHER_NAMES: Record<string, string> = {
  BackupsKeepSkipping: "the example alarm of its own in docs/alarms.md",
  BackupKey: "docs/configuration.md's example key",
  RestoreReader: "docs/restore.md's example reader user",
  InvalidAccessKeyId: 'an S3 error code',
  SignatureDoesNotMatch: 'an S3 error code',
  AccessDenied: 'an S3 error code',
  ListObjectsV2: 'an S3 API action',
  ReservedConcurrentExecutions: 'a property of AWS::Lambda::Function',
  RotateImmediatelyOnUpdate: 'a property of AWS::SecretsManager::RotationSchedule',
  UpdateReplacePolicy: 'a CloudFormation resource attribute',
  BucketName: 'a property of AWS::S3::Bucket',
  RestoreReaderKeySecretArn: "docs/restore.md's example output",
  BackupFunctionName: "the examples' output",
  AccessKeySecretArn: "the README's example output",
  DefaultPolicy: "the construct ID CDK gives a role's own policy (aws-iam Role.addToPolicy)",
  OffsiteCopyBucket: 'the construct ID of the copy bucket, imported by name (no resource in the template)',
  LogicalResourceId: 'a field of cloudformation list-stack-resources',
  GetSecretValue: 'a Secrets Manager API action',
  GetParameter: 'a Systems Manager API action',
  PutObject: 'an S3 API action',
  ObjectLockEnabled: 'a property of AWS::S3::Bucket',
  AdministratorAccess: 'an AWS managed policy',
  BucketKey: "docs/security.md's example key",
  SecretsKey: "docs/security.md's example key of the secrets (secretsEncryptionKey)",
  ReadOnlyAccess: 'an AWS managed policy',
  SecretVersionId: 'a key of the encryption context Secrets Manager sends to KMS',
  KmsKeyId: 'a property of AWS::SecretsManager::Secret',
  GenerateSecretString: 'a property of AWS::SecretsManager::Secret',
  GenerateDataKey: 'a KMS API action',
  PutSecretValue: 'a Secrets Manager API action',
  DenyCustomerProvidedKeys: "the Sid of the bucket policy's statement that refuses SSE-C",
  ManageNetworkInterfacesInVpc: "the Sid of the functions' network-interface statement",
  DescribeNetworkInterfaces: 'an EC2 API action',
  DescribeSubnets: 'an EC2 API action',
  DeleteNetworkInterface: 'an EC2 API action',
  AssignPrivateIpAddresses: 'an EC2 API action',
  UnassignPrivateIpAddresses: 'an EC2 API action',
  InvalidValidationId: "aws-cdk-lib's error for an acknowledgement id it cannot parse (before 2.269.0)",
  CockroachBackupValidationError: 'the error synth throws for an invalid prop (not exported: jsii cannot carry an Error subclass)',
  PutParameter: 'a Systems Manager API action',
  CfnOutput: 'an aws-cdk-lib class',
  CockroachBackupExample: "the example app's stack (bin/app.ts)",
  DatabaseBackups: "the examples' stack name",
  NestedStack: 'an aws-cdk-lib class',
  ObjectLockMode: 'an aws-cdk-lib enum',
  TimeZone: 'an aws-cdk-lib class',
  ScheduleExpression: 'an aws-cdk-lib class',
  ExpireBackupChains: "a lifecycle rule id of the construct's bucket (lib/storage/backup-retention.ts)",
  ExpireNoncurrentVersions: "a lifecycle rule id of the construct's bucket (lib/storage/backup-bucket.ts)",
  AbortIncompleteMultipartUploads: "a lifecycle rule id of the construct's bucket (lib/storage/backup-bucket.ts)",
  ExpirationInDays: 'a property of an AWS::S3::Bucket lifecycle rule',
  InvalidObjectState: 'an S3 error code',
  WriteNewLatestFile: 'a CockroachDB function (pkg/backup/backupdest/backup_destination.go)',
  FindLatestFile: 'a CockroachDB function (pkg/backup/backupdest/backup_destination.go)',
  WriteBackupIndexMetadata: 'a CockroachDB function (pkg/backup/backupdest/backup_index.go)',
  BackupIndexDirectoryPath: 'a CockroachDB constant (pkg/backup/backupbase/constants.go)',
  ResolveBackupManifests: 'a CockroachDB function (pkg/backup/backupdest/backup_destination.go)',
  CockroachBackupCopy: "the example app's off-site copy stack (bin/app.ts, -c offsiteCopy=true)",
  OffsiteCopy: "the id of the bucket's replication rule (lib/offsite/offsite-replication.ts)",
  AccessControlTranslation: 'a property of an AWS::S3::Bucket replication destination',
  ReplicationConfiguration: 'a property of AWS::S3::Bucket',
  OperationsFailedReplication: 'an S3 replication metric (AWS/S3)',
  ReplicationLatency: 'an S3 replication metric (AWS/S3)',
  CheckGlobalPrivilegeOrRoleOption: 'a CockroachDB function (pkg/sql/authorization.go)',
};

/** camelCase names of the guide that are not props or members: JSON fields, cluster settings, SQL options. */
const OTHER_CAMEL: Record<string, string> = {
  accessKeyId: 'a field of the access-key secret',
  secretAccessKey: 'a field of the access-key secret',
  customerManagedKey: "a function of the example app (bin/app.ts)",
  jobId: 'a field of the drill state',
  restoredName: 'a field of the drill state',
  asOf: 'a field of the drill state',
  submittedAt: 'a field of the drill state',
  newestSuccess: 'a field of the drill state',
  fileChecks: 'a field of the summary line',
  durationSeconds: "a field of the follow function's job-ended log line",
  ipAddresses: 'a factory of BackupKeySource',
  vpcEndpoints: 'a factory of BackupKeySource',
  changeOwnPasswordEnabled: "CockroachDB's cluster setting variable (pkg/sql/alter_role.go)",
  alterRoleNode: "CockroachDB's ALTER ROLE plan node (pkg/sql/alter_role.go)",
  formatAsRoleOptions: "CockroachDB's printing of role options, passwords as '*****' (pkg/sql/sem/tree)",
  alarmEmail: "a context key of the example app (bin/app.ts)",
  rpoHours: "a context key of the example app (bin/app.ts)",
  finishSecret: 'a step of a Secrets Manager rotation',
  createSecret: 'a step of a Secrets Manager rotation',
  setSecret: 'a step of a Secrets Manager rotation',
  testSecret: 'a step of a Secrets Manager rotation',
  passwordRotationHandler: "the password rotation function's handler, the backup bundle's second export",
  retentionWindow: 'the function in lib/storage/retention-window.ts that computes the window',
  readChain: "the CockroachDB double's chain reader (test/support/sql/collection-reads.ts)",
  layersAt: "the CockroachDB double's RESTORE time check (test/support/sql/restore-point.ts)",
};

describe('names the guide mentions', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Docs');
  // With the off-site copy (its link names no environment here: the stack is environment-agnostic) and password rotation.
  const link = { sourceAccount: '111111111111', sourceRegion: 'eu-west-1', destinationAccount: '222222222222', destinationRegion: 'eu-central-1', bucketName: 'docs-copy', replicationRoleName: 'docs-replication' };
  const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', restoreDrill: {}, dashboard: true, retention: Duration.days(35), offsiteCopy: { link, drillFromCopy: true }, connectionPasswordRotation: {} });
  // Keyless credentials are an alternative, not an addition: their construct (BackupRole) comes from a second stack.
  const keylessStack = new Stack(app, 'Keyless');
  const keyless = new CockroachBackup(keylessStack, 'Backup', { collection: 'prod/cluster-1', storageCredentials: StorageCredentials.implicit() });
  const template = Template.fromStack(stack);
  const logicalIds = [template, Template.fromStack(keylessStack)].flatMap((t) => Object.keys(t.toJSON().Resources as Record<string, unknown>));

  const constructIds = new Set([backup, keyless].flatMap((b) => b.node.children.map((c) => c.node.id)));
  const alarms = new Set(backup.monitoring.node.children.filter((c) => c instanceof cloudwatch.Alarm).map((c) => c.node.id));
  const metricNames = new Set<string>(Object.values(lib.METRICS).map((m) => m.name));
  const props = new Map(
    [
      ['CockroachBackupProps', 'lib/cockroach-backup.ts'],
      ['BackupBucketOptions', 'lib/storage/backup-bucket.ts'],
      ['BackupObjectLock', 'lib/storage/backup-bucket.ts'],
      ['RestoreDrillOptions', 'lib/functions/restore-drill.ts'],
      ['CloudIdentityRoleOptions', 'lib/credentials/storage-credentials.ts'],
      ['ImplicitCredentialsOptions', 'lib/credentials/storage-credentials.ts'],
      ['RetentionRuleOptions', 'lib/storage/backup-retention.ts'],
      ['RetentionTransition', 'lib/storage/backup-retention.ts'],
      ['OffsiteCopyOptions', 'lib/offsite/offsite-link.ts'],
      ['OffsiteCopyLink', 'lib/offsite/offsite-link.ts'],
      ['BackupCopyDestinationProps', 'lib/offsite/backup-copy-destination.ts'],
      ['ConnectionPasswordRotation', 'lib/credentials/password-rotation.ts'],
    ].map(([name, source]) => [name, new Set(interfaceProps(source, name).map((p) => p.name))]),
  );
  const constructProps = props.get('CockroachBackupProps')!;
  /** What a prop path's second segment must belong to, e.g. `bucketOptions.objectLock`. */
  const nested: Record<string, Set<string>> = {
    bucketOptions: props.get('BackupBucketOptions')!,
    restoreDrill: props.get('RestoreDrillOptions')!,
    objectLock: props.get('BackupObjectLock')!,
    offsiteCopy: props.get('OffsiteCopyOptions')!,
    link: props.get('OffsiteCopyLink')!,
    connectionPasswordRotation: props.get('ConnectionPasswordRotation')!,
  };
  const members = new Set([...Object.keys(backup), ...Object.getOwnPropertyNames(CockroachBackup.prototype)]);
  /** The factories of the `storageCredentials` prop, e.g. `cloudIdentityRole`. */
  const credentialFactories = new Set(Object.getOwnPropertyNames(StorageCredentials).filter((name) => typeof (StorageCredentials as unknown as Record<string, unknown>)[name] === 'function'));
  const spans = guideFiles().flatMap(codeSpans);
  /** The names lib/index.ts exports, types included (interfaces leave no trace at run time). */
  const exported = new Set([...readGuideFile('lib/index.ts').matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) => m[1].split(',').map((n) => n.trim().split(/\s+as\s+/).pop()!)));

  /** Whether a camelCase path names a prop (and its nested option), a public member, or a listed field. */
  function known(first: string, rest: string[]): boolean {
    if (first === 'backup') return rest.length > 0 && members.has(rest[0]);
    if (constructProps.has(first)) {
      if (rest.length === 0) return true;
      return (nested[first]?.has(rest[0]) ?? false) && (rest.length === 1 || (nested[rest[0]]?.has(rest[1]) ?? false));
    }
    const anyOption = [...props.values()].some((names) => names.has(first));
    return rest.length === 0 && (anyOption || members.has(first) || credentialFactories.has(first) || first in OTHER_CAMEL);
  }

  test('fails if the guide mentions no alarm, metric or prop (the extraction found nothing)', () => {
    const texts = new Set(spans.map((s) => s.text));
    expect(['RpoAlarm', 'ChainLength', 'fileCheckTimeout', 'metricSkipped'].filter((name) => !texts.has(name))).toEqual([]);
  });

  test('every alarm named exists in the synthesized template, under the construct\'s Monitoring', () => {
    const named = [...new Set(spans.map((s) => s.text).filter((t) => PASCAL.test(t) && t.endsWith('Alarm')))];
    expect(named.length).toBeGreaterThan(5);
    const missing = named.filter((name) => !alarms.has(name) || !logicalIds.some((id) => id.startsWith(`BackupMonitoring${name}`)));
    expect(missing).toEqual([]);
  });

  test('every PascalCase name is a construct ID in the template, a metric of the contract, an export of lib/index.ts, or a listed outside name', () => {
    const unknown = spans
      .filter((s) => PASCAL.test(s.text) && !s.text.endsWith('Alarm'))
      .filter((s) => {
        const isConstructId = constructIds.has(s.text) && logicalIds.some((id) => id.startsWith(`Backup${s.text}`));
        return !isConstructId && !metricNames.has(s.text) && !exported.has(s.text) && !(s.text in OTHER_NAMES);
      })
      .map((s) => `${s.file}:${s.line}: ${s.text}`);
    expect(unknown).toEqual([]);
  });

  test('every camelCase name is a prop (with its nested options), a public member of the construct, or a listed field', () => {
    const unknown = spans
      .map((s) => ({ ...s, path: CAMEL_PATH.exec(s.text) }))
      .filter((s) => s.path !== null && /[A-Z]/.test(s.path[1]))
      .filter((s) => {
        const [first, ...rest] = (s.path![1] + s.path![2]).split('.');
        return !known(first, rest);
      })
      .map((s) => `${s.file}:${s.line}: ${s.text}`);
    // The check must see nested props: it found at least one `bucketOptions.` path.
    expect(spans.some((s) => s.text.startsWith('bucketOptions.'))).toBe(true);
    expect(unknown).toEqual([]);
  });

  test('the check can fail: an alarm and a prop that do not exist are caught', () => {
    expect(alarms.has('BackupsLateAlarm')).toBe(false);
    expect(constructProps.has('fileCheckBudget')).toBe(false);
    expect(members.has('metricBackupLate')).toBe(false);
  });
});
