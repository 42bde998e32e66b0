import { Example } from '../docs/compile-examples';

/**
 * Configurations the consumer test synthesizes besides the README's examples, each a
 * complete app as a user writes it. Their policy findings are listed here: cdk-nag
 * AwsSolutions and Control Tower rules, each once, sorted, as test/docs' example check
 * reports them. (On an aws-cdk-lib that knows a newer Node.js than the functions run on,
 * cdk-nag adds AwsSolutions-L1; the consumer test accounts for that.)
 */
export interface Configuration extends Example {
  readonly findings: readonly string[];
}

/** The findings of the defaults (README's first example): choices the construct leaves to the user. */
const DEFAULT_FINDINGS = ['AwsSolutions-S1', 'CT.CLOUDWATCH.PR.3', 'CT.LAMBDA.PR.3', 'CT.S3.PR.10', 'CT.S3.PR.2', 'CT.S3.PR.9'];

function app(name: string, imports: readonly string[], body: readonly string[]): string {
  return [
    "import { App, Stack } from 'aws-cdk-lib';",
    ...imports,
    '',
    'const app = new App();',
    `const stack = new Stack(app, '${name}');`,
    ...body,
  ].join('\n');
}

function configuration(origin: string, code: string, findings: readonly string[]): Configuration {
  return { origin: `configuration: ${origin}`, firstLine: 1, code, findings };
}

export const CONFIGURATIONS: readonly Configuration[] = [
  configuration(
    'a VPC of the same stack',
    app(
      'InVpc',
      ["import * as ec2 from 'aws-cdk-lib/aws-ec2';", "import { CockroachBackup } from 'cockroach-backup-cdk';"],
      [
        '// Private subnets with flow logs (a Secrets Manager endpoint would give them the route they need).',
        'const vpc = new ec2.Vpc(stack, \'Vpc\', { maxAzs: 2, natGateways: 0, subnetConfiguration: [{ name: \'private\', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });',
        "vpc.addFlowLog('FlowLog');",
        "new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } });",
      ],
    ),
    DEFAULT_FINDINGS.filter((rule) => rule !== 'CT.LAMBDA.PR.3'),
  ),
  configuration(
    'an imported bucket and connection secret',
    app(
      'ImportedBucket',
      [
        "import * as s3 from 'aws-cdk-lib/aws-s3';",
        "import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';",
        "import { CockroachBackup } from 'cockroach-backup-cdk';",
      ],
      [
        "new CockroachBackup(stack, 'Backup', {",
        "  collection: 'prod/cluster-1',",
        "  bucket: s3.Bucket.fromBucketName(stack, 'Backups', 'acme-cockroach-backups'),",
        "  connectionSecret: secretsmanager.Secret.fromSecretNameV2(stack, 'Connection', 'prod/cockroach/backup-user'),",
        '});',
      ],
    ),
    ['CT.CLOUDWATCH.PR.3', 'CT.LAMBDA.PR.3'],
  ),
  configuration(
    'restore drills',
    app('Drills', ["import { CockroachBackup } from 'cockroach-backup-cdk';"], ["new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', restoreDrill: { databases: ['bank'] } });"]),
    DEFAULT_FINDINGS,
  ),
  configuration(
    'access-key rotation off',
    app(
      'RotationOff',
      ["import { AccessKeyRotation, CockroachBackup } from 'cockroach-backup-cdk';"],
      ["new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', accessKeyRotation: AccessKeyRotation.disabled() });"],
    ),
    DEFAULT_FINDINGS,
  ),
  configuration(
    'nested stacks',
    app(
      'Fleet',
      ["import { NestedStack } from 'aws-cdk-lib';", "import { CockroachBackup } from 'cockroach-backup-cdk';"],
      ["for (const cluster of ['orders', 'payments']) new CockroachBackup(new NestedStack(stack, cluster), 'Backup', { collection: `prod/${cluster}` });"],
    ),
    // The Control Tower plugin reads the top-level template only (README, "Many clusters").
    ['AwsSolutions-S1'],
  ),
  configuration(
    'the newest Node.js runtime this aws-cdk-lib knows',
    app(
      'NewestNode',
      ["import * as lambda from 'aws-cdk-lib/aws-lambda';", "import { CockroachBackup } from 'cockroach-backup-cdk';"],
      [
        '// lambda.Runtime.NODEJS_26_X from aws-cdk-lib 2.277 on; Node.js 24 on older versions.',
        'const node = lambda.Runtime.ALL.filter((r) => /^nodejs\\d+\\.x$/.test(r.name));',
        'const runtime = node.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true })).pop();',
        "new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', runtime });",
      ],
    ),
    DEFAULT_FINDINGS,
  ),
];
