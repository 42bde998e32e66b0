import { Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { buildApp } from '../../bin/app';
import { CockroachBackup } from '../../lib';
import { appWithoutBundling } from './fixtures';

/**
 * Each acknowledgement must answer a finding that really occurs, on the resource it is
 * attached to: an acknowledgement that matches nothing (a typo, a rule that no longer
 * fires) or one placed too high in the tree would hide findings nobody reviewed. The
 * tests record every acknowledgement instead of applying it, run cdk-nag, and pair them.
 */
interface Acknowledgement {
  readonly path: string;
  readonly id: string;
}

interface Finding {
  readonly rule: string;
  readonly path: string;
}

function findingsWithoutAcknowledgements(build: () => IConstruct): { acknowledgements: Acknowledgement[]; findings: Finding[] } {
  const acknowledgements: Acknowledgement[] = [];
  const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
    const scope = (this as unknown as { scope: IConstruct }).scope;
    for (const rule of rules) acknowledgements.push({ path: scope.node.path, id: rule.id });
  });
  try {
    const root = build();
    const report = new AwsSolutionsChecks(root).validateScope(root);
    const findings = report.violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? r.locations.join(",") })));
    return { acknowledgements, findings };
  } finally {
    spy.mockRestore();
  }
}

/** The finding an acknowledgement answers: same rule, on the acknowledged construct or below it. */
function answers(ack: Acknowledgement, finding: Finding): boolean {
  return finding.rule === ack.id && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));
}

test('every acknowledgement of the example app answers one finding on its own resource, and every finding is acknowledged', () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements(() => buildApp({ context: { 'aws:cdk:bundling-stacks': [] } }).app);
  expect(acknowledgements.length).toBeGreaterThan(0);
  for (const ack of acknowledgements) {
    expect({ ack, answered: findings.filter((f) => answers(ack, f)).length }).toEqual({ ack, answered: 1 });
  }
  for (const finding of findings) {
    expect({ finding, acknowledged: acknowledgements.some((a) => answers(a, finding)) }).toEqual({ finding, acknowledged: true });
  }
});

test("the VPC acknowledgement answers the managed VPC access policy finding on the function's role", () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements(() => {
    const app = appWithoutBundling();
    const stack = new Stack(app, 'VpcStack');
    new CockroachBackup(stack, 'Backup', { collection: 'c', vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 }) });
    return app;
  });
  const vpcAck = acknowledgements.filter((a) => a.id.startsWith('AwsSolutions-IAM4'));
  expect(vpcAck).toEqual([
    { path: 'VpcStack/Backup/FunctionRole', id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]' },
  ]);
  expect(findings.filter((f) => answers(vpcAck[0], f))).toHaveLength(1);
});

test("grantRestoreRead's acknowledgement answers the collection wildcard finding on the reader's own policy, and nothing else is left", () => {
  const { acknowledgements, findings } = findingsWithoutAcknowledgements(() => {
    const app = appWithoutBundling();
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
