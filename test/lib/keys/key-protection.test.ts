import { App, LegacyStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { BackupKeyProtection, CockroachBackup, CockroachBackupProps } from '../../../lib';
import { appWithoutBundling, synthBackup } from '../fixtures';

const DENY_SID = 'DenyKeyLossExceptToKeyAdministrators';

function keyStatements(template: Template, idPrefix: string): { Sid?: string; Effect: string; Action: unknown; Condition?: Record<string, Record<string, unknown>> }[] {
  const [key] = Object.entries(template.findResources('AWS::KMS::Key')).filter(([id]) => id.startsWith(idPrefix));
  expect(key).toBeDefined();
  return key[1].Properties.KeyPolicy.Statement;
}

describe('keyAdministrators', () => {
  test('denies deleting, disabling and re-policying the alarm topic key to all but the named roles and the deployer', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const breakGlass = iam.Role.fromRoleArn(stack, 'BreakGlass', 'arn:aws:iam::111111111111:role/BreakGlass');
    const { template } = synthBackupIn(stack, { keyAdministrators: [breakGlass] });
    const deny = keyStatements(template, 'BackupMonitoringAlarmTopicKey').find((s) => s.Sid === DENY_SID);
    expect(deny).toMatchObject({ Effect: 'Deny', Action: ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'] });
    const admitted = JSON.stringify(deny!.Condition!.ArnNotLike['aws:PrincipalArn']);
    expect(admitted).toContain('arn:aws:iam::111111111111:role/BreakGlass');
    expect(admitted).toContain('cfn-exec-role');
  });

  test('adds nothing by default', () => {
    const sids = keyStatements(synthBackup().template, 'BackupMonitoringAlarmTopicKey').map((s) => s.Sid);
    expect(sids).not.toContain(DENY_SID);
  });
});

describe('BackupKeyProtection.denyKeyLossExceptTo', () => {
  test('refuses an imported key, whose policy this app cannot change', () => {
    const stack = new Stack();
    const imported = kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(() => BackupKeyProtection.denyKeyLossExceptTo(imported, [])).toThrow(/key is arn:aws:kms:.*: expected a kms.Key created in this app/);
  });

  test('refuses to lock everyone out: no role and no deployer role to admit', () => {
    const stack = new Stack(new App(), 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
    expect(() => BackupKeyProtection.denyKeyLossExceptTo(new kms.Key(stack, 'Key'), [])).toThrow(/administrators is \[\]: expected at least one role/);
  });
});

function synthBackupIn(stack: Stack, props: Partial<CockroachBackupProps>): { template: Template } {
  new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', ...props });
  return { template: Template.fromStack(stack) };
}
