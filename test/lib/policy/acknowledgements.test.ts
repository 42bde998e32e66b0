import { App, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildApp } from '../../../bin/app';
import { CockroachBackup } from '../../../lib';
import { cloudFormationValidateRuleId, controlTowerRuleId } from '../../../lib/nag';
import { Finding, findingsOf, synthPluginReports } from './policy-findings';

/**
 * Each acknowledgement must answer a finding that really occurs, on the resource it is
 * attached to: an acknowledgement that matches nothing (a typo, a rule that no longer
 * fires) or one placed too high in the tree would hide findings nobody reviewed. The
 * tests record every acknowledgement instead of applying it, run both policy packs
 * (cdk-nag AwsSolutions and the AWS Control Tower proactive controls), and pair them.
 */
interface Acknowledgement {
  readonly path: string;
  readonly id: string;
}

function findingsWithoutAcknowledgements(createApp: (outdir: string) => App): { acknowledgements: Acknowledgement[]; findings: Finding[] } {
  const acknowledgements: Acknowledgement[] = [];
  const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
    const scope = (this as unknown as { scope: IConstruct }).scope;
    for (const rule of rules) acknowledgements.push({ path: scope.node.path, id: rule.id });
  });
  try {
    return { acknowledgements, findings: findingsOf(synthPluginReports(createApp)) };
  } finally {
    spy.mockRestore();
  }
}

/** The finding an acknowledgement answers: same rule, on the acknowledged construct or below it. */
function answers(ack: Acknowledgement, finding: Finding): boolean {
  return finding.id === ack.id && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));
}

function noBundling(outdir: string): App {
  return new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
}

describe('example app', () => {
  let acknowledgements: Acknowledgement[];
  let findings: Finding[];
  beforeAll(() => {
    ({ acknowledgements, findings } = findingsWithoutAcknowledgements((outdir) => buildApp({ outdir, context: { 'aws:cdk:bundling-stacks': [] } }).app));
  });

  test('both packs ran and found something to acknowledge (and CDK\'s own CloudFormation Validate, which the app does not add)', () => {
    expect(new Set(findings.map((f) => f.plugin))).toEqual(new Set(['AwsSolutions', new CfnGuardValidator().name, 'CloudFormation Validate']));
  });

  test('every acknowledgement answers exactly one finding on its own resource', () => {
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect({ ack, answered: findings.filter((f) => answers(ack, f)).length }).toEqual({ ack, answered: 1 });
    }
  });

  test('every finding is acknowledged', () => {
    for (const finding of findings) {
      expect({ finding, acknowledged: acknowledgements.some((a) => answers(a, finding)) }).toEqual({ finding, acknowledged: true });
    }
  });

  test('acknowledges exactly this list: one rule on one resource each (a new finding needs a decision, not a wider acknowledgement)', () => {
    const ct = (rule: string) => controlTowerRuleId(rule);
    expect(acknowledgements.map((a) => `${a.path} ${a.id.replace(/\[.*\]$/, '[...]')}`).sort()).toEqual(
      [
        `CockroachBackupExample/AccessLogsBucket ${ct('s3_bucket_default_encryption_kms_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${ct('s3_bucket_logging_enabled_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${ct('s3_bucket_object_lock_enabled_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${ct('s3_event_notifications_enabled_check')}`,
        `CockroachBackupExample/Backup/AccessKey ${cloudFormationValidateRuleId('W3011')}`,
        'CockroachBackupExample/Backup/BackupPolicy AwsSolutions-IAM5[...]',
        `CockroachBackupExample/Backup/Bucket ${ct('s3_bucket_object_lock_enabled_check')}`,
        `CockroachBackupExample/Backup/Bucket ${ct('s3_event_notifications_enabled_check')}`,
        'CockroachBackupExample/Backup/ConnectionSecret AwsSolutions-SMG4',
        `CockroachBackupExample/Backup/FollowFunction ${ct('lambda_inside_vpc_check')}`,
        'CockroachBackupExample/Backup/FollowScheduleRole AwsSolutions-IAM5[...]',
        `CockroachBackupExample/Backup/Function ${ct('lambda_inside_vpc_check')}`,
        `CockroachBackupExample/Backup/RotationFunction ${ct('lambda_inside_vpc_check')}`,
        'CockroachBackupExample/Backup/RotationScheduleRole AwsSolutions-IAM5[...]',
        'CockroachBackupExample/Backup/ScheduleRole AwsSolutions-IAM5[...]',
      ].sort(),
    );
  });
});

describe.each([
  ['cloud-role', { credentials: 'cloud-role', cloudIdentityRoleArn: 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab' }],
  ['implicit', { credentials: 'implicit' }],
  ['implicit with the nodes\' role', { credentials: 'implicit', nodeRoleArn: 'arn:aws:iam::123456789012:role/crdb-nodes' }],
])('example app with keyless credentials (%s)', (_, context) => {
  let acknowledgements: Acknowledgement[];
  let findings: Finding[];
  beforeAll(() => {
    ({ acknowledgements, findings } = findingsWithoutAcknowledgements((outdir) => buildApp({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } }).app));
  });

  test('every finding is acknowledged and every acknowledgement answers exactly one finding', () => {
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) {
      expect({ finding, acknowledged: acknowledgements.some((a) => answers(a, finding)) }).toEqual({ finding, acknowledged: true });
    }
    for (const ack of acknowledgements) {
      expect({ ack, answered: findings.filter((f) => answers(ack, f)).length }).toEqual({ ack, answered: 1 });
    }
  });

  test("the IAM user's, access key's and rotation's findings are gone, and no new one needs a decision", () => {
    const keyParts = /\/Backup\/(BackupUser|BackupGroup|AccessKey|AccessKeySecret|Rotation)/;
    expect(findings.filter((f) => keyParts.test(f.path))).toEqual([]);
    expect(acknowledgements.map((a) => `${a.path} ${a.id.replace(/\[.*\]$/, '[...]')}`).sort()).toEqual(
      [
        `CockroachBackupExample/AccessLogsBucket ${controlTowerRuleId('s3_bucket_default_encryption_kms_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${controlTowerRuleId('s3_bucket_logging_enabled_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${controlTowerRuleId('s3_bucket_object_lock_enabled_check')}`,
        `CockroachBackupExample/AccessLogsBucket ${controlTowerRuleId('s3_event_notifications_enabled_check')}`,
        'CockroachBackupExample/Backup/BackupPolicy AwsSolutions-IAM5[...]',
        `CockroachBackupExample/Backup/Bucket ${controlTowerRuleId('s3_bucket_object_lock_enabled_check')}`,
        `CockroachBackupExample/Backup/Bucket ${controlTowerRuleId('s3_event_notifications_enabled_check')}`,
        'CockroachBackupExample/Backup/ConnectionSecret AwsSolutions-SMG4',
        `CockroachBackupExample/Backup/FollowFunction ${controlTowerRuleId('lambda_inside_vpc_check')}`,
        'CockroachBackupExample/Backup/FollowScheduleRole AwsSolutions-IAM5[...]',
        `CockroachBackupExample/Backup/Function ${controlTowerRuleId('lambda_inside_vpc_check')}`,
        'CockroachBackupExample/Backup/ScheduleRole AwsSolutions-IAM5[...]',
      ].sort(),
    );
  });
});

test('with restore drills the example app needs no new acknowledgement, and every finding is still acknowledged', () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements(
    (outdir) => buildApp({ outdir, context: { restoreDrill: 'true', 'aws:cdk:bundling-stacks': [] } }).app,
  );
  // The drills' parameter, schedule and alarms are there, so the packs saw them.
  expect(findings.length).toBeGreaterThan(0);
  expect(acknowledgements.filter((a) => /Drill/.test(a.path))).toEqual([]);
  for (const finding of findings) {
    expect({ finding, acknowledged: acknowledgements.some((a) => answers(a, finding)) }).toEqual({ finding, acknowledged: true });
  }
  for (const ack of acknowledgements) {
    expect({ ack, answered: findings.filter((f) => answers(ack, f)).length }).toEqual({ ack, answered: 1 });
  }
});

test("the VPC acknowledgements answer the network-interface wildcard finding on each function's role policy, and no managed VPC policy is left", () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements((outdir) => {
    const app = noBundling(outdir);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'VpcStack');
    new CockroachBackup(stack, 'Backup', { collection: 'c', vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 }) });
    return app;
  });
  expect(acknowledgements.filter((a) => a.id.startsWith('AwsSolutions-IAM4'))).toEqual([]);
  const vpcAcks = acknowledgements.filter((a) => a.id === 'AwsSolutions-IAM5[Resource::*]');
  const id = 'AwsSolutions-IAM5[Resource::*]';
  // The follow and rotation functions run in the same VPC, through roles of their own.
  expect(vpcAcks).toEqual([
    { path: 'VpcStack/Backup/FunctionRole/DefaultPolicy', id },
    { path: 'VpcStack/Backup/FollowFunctionRole/DefaultPolicy', id },
    { path: 'VpcStack/Backup/RotationFunctionRole/DefaultPolicy', id },
  ]);
  for (const ack of vpcAcks) expect(findings.filter((f) => answers(ack, f))).toHaveLength(1);
});

test("grantRestoreRead's acknowledgement answers the collection wildcard finding on the reader's own policy, and nothing else is left", () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements((outdir) => {
    const app = noBundling(outdir);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'RestoreStack');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1' });
    backup.grantRestoreRead(new iam.User(stack, 'RestoreReader'));
    return app;
  });
  const readerAcks = acknowledgements.filter((a) => a.path.startsWith('RestoreStack/RestoreReader'));
  expect(readerAcks).toEqual([{ path: 'RestoreStack/RestoreReader/DefaultPolicy', id: expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<BackupBucket[0-9A-F]+\.Arn>\/prod\/cluster-1\/\*\]$/) }]);
  expect(findings.filter((f) => answers(readerAcks[0], f))).toHaveLength(1);
  expect(findings.filter((f) => f.path.startsWith('RestoreStack/RestoreReader') && !acknowledgements.some((a) => answers(a, f)))).toEqual([]);
});

/** The packs the example runs only with the copy (bin/regulated-packs.ts). */
const REGULATED_PACK = /^(HIPAA\.Security|NIST\.800\.53\.R5|PCI\.DSS\.321)-/;

describe('example app with the off-site copy (-c offsiteCopy=true, two stacks)', () => {
  let acknowledgements: Acknowledgement[];
  let findings: Finding[];
  beforeAll(() => {
    ({ acknowledgements, findings } = findingsWithoutAcknowledgements(
      (outdir) => buildApp({ outdir, context: { offsiteCopy: 'true', restoreDrill: 'true', 'aws:cdk:bundling-stacks': [] } }).app,
    ));
  });

  test('both stacks were checked, and every finding is acknowledged and every acknowledgement answers exactly one finding', () => {
    expect(new Set(findings.map((f) => f.path.split('/')[0]))).toEqual(new Set(['CockroachBackupExample', 'CockroachBackupCopy']));
    for (const finding of findings) {
      expect({ finding, acknowledged: acknowledgements.some((a) => answers(a, finding)) }).toEqual({ finding, acknowledged: true });
    }
    for (const ack of acknowledgements) {
      expect({ ack, answered: findings.filter((f) => answers(ack, f)).length }).toEqual({ ack, answered: 1 });
    }
  });

  test('the copy adds exactly these acknowledgements: the wildcards of the collection prefixes and of the copy key named by alias, and the copy stack\'s buckets', () => {
    const offsite = acknowledgements
      .map((a) => `${a.path} ${a.id}`)
      .filter((a) => /ReplicationPolicy|CockroachBackupCopy|BackupPolicy AwsSolutions-IAM5\[Resource::arn/.test(a))
      .filter((a) => !REGULATED_PACK.test(a.split(' ')[1]))
      .map((a) => a.replace(/cockroach-backup-copy-\d+-[a-z0-9-]+/, '<copy>'))
      .sort();
    const ct = (rule: string) => controlTowerRuleId(rule);
    expect(offsite).toEqual(
      [
        'CockroachBackupExample/Backup/BackupPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-central-1:111111111111:key/*]',
        'CockroachBackupExample/Backup/BackupPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<copy>/cluster-1/*]',
        'CockroachBackupExample/Backup/ReplicationPolicy AwsSolutions-IAM5[Resource::<BackupBucketBC94E555.Arn>/cluster-1/*]',
        'CockroachBackupExample/Backup/ReplicationPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-central-1:111111111111:key/*]',
        'CockroachBackupExample/Backup/ReplicationPolicy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::<copy>/cluster-1/*]',
        `CockroachBackupCopy/AccessLogsBucket ${ct('s3_bucket_default_encryption_kms_check')}`,
        `CockroachBackupCopy/AccessLogsBucket ${ct('s3_bucket_logging_enabled_check')}`,
        `CockroachBackupCopy/AccessLogsBucket ${ct('s3_bucket_object_lock_enabled_check')}`,
        `CockroachBackupCopy/AccessLogsBucket ${ct('s3_event_notifications_enabled_check')}`,
        `CockroachBackupCopy/Copy/Bucket ${ct('s3_event_notifications_enabled_check')}`,
      ].sort(),
    );
  });

  test('the HIPAA, NIST 800-53 R5 and PCI DSS packs ran on both stacks; replication and the secrets pass, and what is left is the decided list', () => {
    const regulated = findings.filter((f) => REGULATED_PACK.test(f.id));
    expect(new Set(regulated.map((f) => f.plugin))).toEqual(new Set(['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']));
    // Nothing on the backup bucket (replicated) and nothing on the secrets (a key of their own, rotated).
    expect(regulated.filter((f) => /\/Backup\/(Bucket|AccessKeySecret|ConnectionSecret)\//.test(f.path))).toEqual([]);
    const rules = [...new Set(regulated.map((f) => f.id.replace(REGULATED_PACK, '')))].sort();
    expect(rules).toEqual(['IAMNoInlinePolicy', 'LambdaDLQ', 'LambdaInsideVPC', 'S3BucketReplicationEnabled', 'S3DefaultEncryptionKMS']);
    // Replication is left only on the copy itself and on the access-log buckets.
    expect(new Set(regulated.filter((f) => f.id.endsWith('-S3BucketReplicationEnabled')).map((f) => f.path.replace(/\/Resource$/, '')))).toEqual(
      new Set(['CockroachBackupCopy/Copy/Bucket', 'CockroachBackupCopy/AccessLogsBucket', 'CockroachBackupExample/AccessLogsBucket']),
    );
  });
});
