import { Duration } from 'aws-cdk-lib';
import { ENV } from '../../contract/environment';
import { parseSecretArns, parseSettings } from '../../lambda/backup/connect/config';
import { StorageCredentials } from '../../lib';
import { synthBackup } from './fixtures';

/**
 * What the construct writes into the Lambda's environment, read by the Lambda's own parser:
 * a value the construct accepts but the Lambda refuses would fail every run after deploy.
 * Values CloudFormation fills in at deploy time (references) get realistic stand-ins.
 */
const DEPLOY_TIME_VALUES: Record<string, string> = {
  [ENV.connectionSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:BackupConnectionSecret-AbCdEf',
  [ENV.accessKeySecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:BackupAccessKeySecret-AbCdEf',
  [ENV.bucketName]: 'backupstack-backupbucket-1a2b3c4d5e6f',
  [ENV.bucketRegion]: 'eu-west-1',
  [ENV.drillStateParameter]: 'CFN-BackupDrillState00A0160C-AbCdEfGhIjKl',
  [ENV.followStateParameter]: 'CFN-BackupFollowState1A2B3C4D-AbCdEfGhIjKl',
  [ENV.assumeRoleChain]: 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab,arn:aws:iam::123456789012:role/TestStack-BackupRole-AbCdEf;external_id=crdb-backup-TestStackBackup',
  [ENV.retentionParameter]: 'CFN-BackupRetentionPromise1A2B3C4D-AbCdEfGhIjKl',
};

function deployedEnvironment(props: Parameters<typeof synthBackup>[0]): Record<string, string> {
  const fn = Object.values(synthBackup(props).template.findResources('AWS::Lambda::Function'))[0];
  const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : DEPLOY_TIME_VALUES[name] ?? `unmapped reference of ${name}`]),
  );
}

describe("the construct's environment, as the Lambda reads it", () => {
  test.each([
    ['the defaults', {}],
    ['restore drills of two databases and a file check budget', { restoreDrill: { databases: ['bank', 'Billing DB'] }, fileCheckTimeout: Duration.minutes(4), timeout: Duration.minutes(10) }],
    ['checks off', { fileCheckTimeout: Duration.seconds(0) }],
    ['CockroachDB Cloud identity-role credentials', { storageCredentials: StorageCredentials.cloudIdentityRole('arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab') }],
    ['implicit credentials', { storageCredentials: StorageCredentials.implicit() }],
    ['retention', { retention: Duration.days(35) }],
    [
      'restore drills that read the off-site copy',
      {
        restoreDrill: {},
        offsiteCopy: {
          link: { sourceAccount: '111111111111', sourceRegion: 'eu-west-1', destinationAccount: '222222222222', destinationRegion: 'eu-central-1', bucketName: 'acme-copy', replicationRoleName: 'replication' },
          drillFromCopy: true,
        },
      },
    ],
    ['password rotation (the password rotation function gets the same environment)', { connectionPasswordRotation: {} }],
  ])('is accepted with %s', (_, props) => {
    const env = deployedEnvironment(props);
    expect(Object.values(env).filter((value) => value.startsWith('unmapped reference'))).toEqual([]);
    expect(() => parseSecretArns(env)).not.toThrow();
    expect(parseSettings(env)).toMatchObject({ collection: 'prod/cluster-1', storageMode: 'uri', statementTimeoutMs: 30_000 });
  });
});
