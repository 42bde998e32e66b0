import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3Credentials, S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { localS3Client } from '../../support/storage/s3-client';

const KEY: S3Credentials = { accessKeyId: 'AKIAS3TEST0000000001', secretAccessKey: 'abc/def+ghi/EXAMPLEKEY000000000000000000' };
const LIMITED: S3Credentials = { accessKeyId: 'AKIAS3TEST0000000002', secretAccessKey: 'limited/secret+key00000000000000000000000', buckets: ['allowed'] };

async function s3Failure(promise: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return error;
    throw error;
  }
  throw new Error('expected an S3 error');
}

describe('the S3 test server', () => {
  let s3: S3TestServer;
  const clients: S3Client[] = [];
  const client = (credentials: S3Credentials): S3Client => {
    const created = localS3Client({ ...credentials, region: 'us-east-1', endpoint: s3.endpoint });
    clients.push(created);
    return created;
  };
  beforeAll(async () => {
    s3 = await startS3Server({ credentials: [KEY, LIMITED], buckets: ['bucket', 'allowed'] });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await s3.stop();
  });

  test('stores and returns objects signed with a known key', async () => {
    await client(KEY).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'dir/a file+name.txt', Body: 'hello' }));
    const object = await client(KEY).send(new GetObjectCommand({ Bucket: 'bucket', Key: 'dir/a file+name.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello');
    expect(await s3.listKeys('bucket', 'dir/')).toEqual(['dir/a file+name.txt']);
  });

  test('rejects a request signed with the wrong secret key with SignatureDoesNotMatch (403)', async () => {
    const error = await s3Failure(client({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' }).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x', Body: 'x' })));
    expect(error.name).toBe('SignatureDoesNotMatch');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(await s3.listKeys('bucket', 'x')).toEqual([]);
  });

  test('rejects an unknown access key id with InvalidAccessKeyId', async () => {
    const error = await s3Failure(client({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x', Body: 'x' })));
    expect(error.name).toBe('InvalidAccessKeyId');
  });

  test('refuses a key from the moment it is deactivated (InvalidAccessKeyId), and accepts it again once reactivated', async () => {
    const key = s3.keys.add({});
    const put = () => client(key).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'states', Body: 'x' }));
    await put();
    s3.keys.setStatus(key.accessKeyId, 'Inactive');
    expect((await s3Failure(put())).name).toBe('InvalidAccessKeyId');
    s3.keys.setStatus(key.accessKeyId, 'Active');
    await put();
  });

  test('refuses a deleted key with InvalidAccessKeyId', async () => {
    const key = s3.keys.add({});
    s3.keys.delete(key.accessKeyId);
    expect((await s3Failure(client(key).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x', Body: 'x' })))).name).toBe('InvalidAccessKeyId');
  });

  test('refuses a new key for as many look-ups as it takes to propagate, then accepts it', async () => {
    const key = s3.keys.add({ unknownToS3ForLookups: 2 });
    const list = () => client(key).send(new ListObjectsV2Command({ Bucket: 'bucket', MaxKeys: 1 }));
    expect((await s3Failure(list())).name).toBe('InvalidAccessKeyId');
    expect((await s3Failure(list())).name).toBe('InvalidAccessKeyId');
    await list();
  });

  test('pages a listing with MaxKeys and continuation tokens (which s3rver cannot: its tokens need DES)', async () => {
    for (const name of ['pages/a', 'pages/b', 'pages/c']) await client(KEY).send(new PutObjectCommand({ Bucket: 'bucket', Key: name, Body: 'x' }));
    const seen: string[][] = [];
    let token: string | undefined;
    for (let page = 0; page < 5; page++) {
      const answer = await client(KEY).send(new ListObjectsV2Command({ Bucket: 'bucket', Prefix: 'pages/', MaxKeys: 2, ContinuationToken: token }));
      seen.push((answer.Contents ?? []).map((o) => o.Key ?? ''));
      token = answer.NextContinuationToken;
      if (token === undefined) break;
    }
    expect(seen).toEqual([['pages/a', 'pages/b'], ['pages/c']]);
  });

  test('lists with a key of its own: deleting every test key leaves listKeys working', async () => {
    const alone = await startS3Server({ credentials: [], buckets: ['solo'] });
    try {
      expect(await alone.listKeys('solo')).toEqual([]);
    } finally {
      await alone.stop();
    }
  });

  test('rejects a key on a bucket it may not use with AccessDenied', async () => {
    const error = await s3Failure(client(LIMITED).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x', Body: 'x' })));
    expect(error.name).toBe('AccessDenied');
    await client(LIMITED).send(new PutObjectCommand({ Bucket: 'allowed', Key: 'x', Body: 'x' }));
    expect(await s3.listKeys('allowed')).toEqual(['x']);
  });
});
