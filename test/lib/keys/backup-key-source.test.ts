import { BackupKeySource } from '../../../lib';
import { constructionError, synthBackup } from '../fixtures';
import { decide, Decision, PolicyModel } from '../policy/policy-model';

const OBJECT_OF = (model: PolicyModel) => `${model.arn(model.logicalId('AWS::S3::Bucket', 'BackupBucket'))}/prod/cluster-1/2026/12/06-000000.00/data/1.sst`;

/** What the backup key may do from a request's source, evaluated by the IAM policy simulator. */
async function backupKey(source: BackupKeySource, action: string, context: Record<string, string>, resource?: 'bucket'): Promise<Decision> {
  const model = new PolicyModel(synthBackup({ backupKeySource: source }).template.toJSON().Resources);
  const user = model.logicalId('AWS::IAM::User', 'BackupBackupUser');
  const bucket = model.logicalId('AWS::S3::Bucket', 'BackupBucket');
  return decide({
    principal: model.arn(user),
    identityPolicies: model.identityPolicies(user),
    action,
    resource: resource === 'bucket' ? model.arn(bucket) : OBJECT_OF(model),
    resourcePolicy: model.bucketPolicy(bucket),
    context: resource === 'bucket' ? { ...context, 's3:prefix': 'prod/cluster-1/' } : context,
  });
}

describe('backupKeySource', () => {
  test.each([
    ['ipAddresses', BackupKeySource.ipAddresses(['203.0.113.0/24']), { 'aws:SourceIp': '203.0.113.7' }, { 'aws:SourceIp': '198.51.100.9' }],
    ['vpcEndpoints', BackupKeySource.vpcEndpoints(['vpce-0123456789abcdef0']), { 'aws:SourceVpce': 'vpce-0123456789abcdef0' }, { 'aws:SourceVpce': 'vpce-0fedcba9876543210' }],
    ['vpcs', BackupKeySource.vpcs(['vpc-0123456789abcdef0']), { 'aws:SourceVpc': 'vpc-0123456789abcdef0' }, { 'aws:SourceVpc': 'vpc-0fedcba9876543210' }],
  ])('%s: the key writes and reads from the source and is denied elsewhere; listing stays open', async (_name, source, inside, outside) => {
    expect(await backupKey(source, 's3:PutObject', inside)).toBe('allowed');
    expect(await backupKey(source, 's3:GetObject', inside)).toBe('allowed');
    expect(await backupKey(source, 's3:PutObject', outside)).toBe('denied');
    expect(await backupKey(source, 's3:GetObject', outside)).toBe('denied');
    expect(await backupKey(source, 's3:ListBucket', outside, 'bucket')).toBe('allowed');
  }, 60_000);

  test('without it the key works from anywhere', () => {
    expect(JSON.stringify(synthBackup().template.findResources('AWS::IAM::ManagedPolicy'))).not.toContain('DenyBackupFilesFromElsewhere');
  });

  test.each([
    [BackupKeySource.ipAddresses([]), 'TestStack/Backup: backupKeySource (ipAddresses) is []: expected at least one value: an empty list would refuse every backup'],
    [BackupKeySource.ipAddresses(['10.0.0.0/33x']), 'TestStack/Backup: backupKeySource (ipAddresses) is "10.0.0.0/33x": expected an IPv4 or IPv6 address or CIDR block, e.g. "203.0.113.0/24"'],
    [BackupKeySource.vpcEndpoints(['vpc-123']), 'TestStack/Backup: backupKeySource (vpcEndpoints) is "vpc-123": expected a VPC endpoint id, e.g. "vpce-0123456789abcdef0"'],
    [BackupKeySource.vpcs(['vpce-123']), 'TestStack/Backup: backupKeySource (vpcs) is "vpce-123": expected a VPC id, e.g. "vpc-0123456789abcdef0"'],
  ])('refuses %p', (source, message) => {
    expect(constructionError({ backupKeySource: source })).toBe(message);
  });
});
