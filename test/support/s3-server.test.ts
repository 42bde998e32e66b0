import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { S3Credentials, S3TestServer, startS3Server } from './s3-server';
import { localS3Client } from './storage/s3-client';

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

  test('rejects a key on a bucket it may not use with AccessDenied', async () => {
    const error = await s3Failure(client(LIMITED).send(new PutObjectCommand({ Bucket: 'bucket', Key: 'x', Body: 'x' })));
    expect(error.name).toBe('AccessDenied');
    await client(LIMITED).send(new PutObjectCommand({ Bucket: 'allowed', Key: 'x', Body: 'x' }));
    expect(await s3.listKeys('allowed')).toEqual(['x']);
  });
});
