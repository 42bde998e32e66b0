import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CockroachBackup, StorageCredentials } from '../../../lib';
import { denyGrantsExceptForAwsServices } from '../../../lib/keys/key-policies';
import { findingsOf, synthPluginReports } from './policy-findings';

/**
 * With every option the Control Tower controls ask for (customer managed keys, a VPC,
 * Object Lock, server access logs), nothing of the construct is reported by either pack:
 * the defaults' findings are choices, not gaps.
 */
test.each([
  ['without restore drills', undefined, undefined],
  ['with restore drills', {}, undefined],
  ['with CockroachDB Cloud identity-role credentials', undefined, () => StorageCredentials.cloudIdentityRole('arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab')],
  ['with implicit credentials through a role of the construct', undefined, () => StorageCredentials.implicit()],
  ['with implicit credentials on the nodes\' own role', undefined, (stack: Stack) => StorageCredentials.implicit({ nodeRole: iam.Role.fromRoleArn(stack, 'Nodes', 'arn:aws:iam::123456789012:role/crdb-nodes') })],
])('with keys, a VPC, Object Lock and access logs, %s, neither pack reports anything on the construct', (_, restoreDrill, credentials) => {
  const reports = synthPluginReports((outdir) => {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
    const stack = new Stack(app, 'Hardened');
    const key = (id: string) => {
      const k = new kms.Key(stack, id, { enableKeyRotation: true });
      denyGrantsExceptForAwsServices(k);
      return k;
    };
    const monitoringKey = key('MonitoringKey');
    new CockroachBackup(stack, 'Backup', {
      collection: 'prod/cluster-1',
      bucketOptions: {
        encryptionKey: key('BucketKey'),
        serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'central-access-logs'),
        objectLock: { mode: s3.ObjectLockMode.COMPLIANCE, defaultRetention: Duration.days(35) },
      },
      vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 1 }),
      logEncryptionKey: monitoringKey,
      alarmTopicKey: monitoringKey,
      restoreDrill,
      storageCredentials: credentials?.(stack),
    });
    return app;
  });
  const onConstruct = findingsOf(reports).filter((f) => f.path.startsWith('Hardened/Backup/'));
  expect(onConstruct.map((f) => `${f.rule} ${f.path}`)).toEqual([]);
  // The packs ran: the VPC of the test, which is not the construct's, is reported.
  expect(findingsOf(reports).some((f) => f.path.startsWith('Hardened/Vpc/'))).toBe(true);
});
