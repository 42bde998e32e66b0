import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { replicateCollection } from '../../support/aws/replication';
import { S3Credentials, S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { localS3Client } from '../../support/storage/s3-client';

const KEY: S3Credentials = { accessKeyId: 'AKIAS3TEST0000000001', secretAccessKey: 'abc/def+ghi/EXAMPLEKEY000000000000000000' };

/** S3 replication as the off-site copy sees it (docs cited in replication.ts). */
describe('replicateCollection', () => {
  let s3: S3TestServer;
  let client: S3Client;
  const put = (bucket: string, key: string, body: string) => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const get = async (bucket: string, key: string) => (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();
  const pass = () => replicateCollection({ endpoint: s3.endpoint, from: 'primary', to: 'copy', prefix: 'prod/cluster', credentials: KEY });

  beforeEach(async () => {
    s3 = await startS3Server({ credentials: [KEY], buckets: ['primary', 'copy'] });
    client = localS3Client({ ...KEY, region: 'us-east-1', endpoint: s3.endpoint });
  });
  afterEach(async () => {
    client.destroy();
    await s3.stop();
  });

  test('copies every object under the prefix, under the same key with the same content, and nothing outside it', async () => {
    await put('primary', 'prod/cluster/2026/11/20-000000.00/BACKUP_MANIFEST', 'manifest');
    await put('primary', 'prod/cluster/2026/11/20-000000.00/data/1.sst', 'rows');
    await put('primary', 'prod/other/BACKUP_MANIFEST', 'not in the rule');
    expect(await pass()).toEqual(['prod/cluster/2026/11/20-000000.00/BACKUP_MANIFEST', 'prod/cluster/2026/11/20-000000.00/data/1.sst']);
    expect(await s3.listKeys('copy')).toEqual(['prod/cluster/2026/11/20-000000.00/BACKUP_MANIFEST', 'prod/cluster/2026/11/20-000000.00/data/1.sst']);
    expect(await get('copy', 'prod/cluster/2026/11/20-000000.00/data/1.sst')).toBe('rows');
  });

  test('replicates a new version of an object (its current content) but never a delete', async () => {
    await put('primary', 'prod/cluster/a', 'v1');
    await put('primary', 'prod/cluster/b', 'kept');
    await pass();
    await put('primary', 'prod/cluster/a', 'v2');
    await client.send(new DeleteObjectCommand({ Bucket: 'primary', Key: 'prod/cluster/b' }));
    await pass();
    expect(await get('copy', 'prod/cluster/a')).toBe('v2');
    expect(await get('copy', 'prod/cluster/b')).toBe('kept');
  });
});
