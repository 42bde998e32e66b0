import { CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, IAMServiceException, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { AccessKeyStore } from '../../support/aws/access-key-store';
import { IamDouble, startIamDouble } from '../../support/aws/iam-double';
import { S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { localS3Client } from '../../support/storage/s3-client';

const USER = 'backup-user';

async function failure<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('the fake IAM', () => {
  let keys: AccessKeyStore;
  let iam: IamDouble;
  let s3: S3TestServer;
  let client: IAMClient;
  beforeEach(async () => {
    keys = new AccessKeyStore();
    s3 = await startS3Server({ credentials: [], buckets: ['bucket'], keys });
    iam = await startIamDouble({ keys, users: [USER] });
    client = new IAMClient({ region: 'us-east-1', endpoint: iam.endpoint, credentials: { accessKeyId: 'AKIAROTATIONROLE0001', secretAccessKey: 'role-secret' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await iam.stop();
    await s3.stop();
  });

  const listS3 = (accessKeyId: string, secretAccessKey: string) => {
    const s3Client = localS3Client({ accessKeyId, secretAccessKey, region: 'us-east-1', endpoint: s3.endpoint });
    return s3Client.send(new ListObjectsV2Command({ Bucket: 'bucket', MaxKeys: 1 })).finally(() => s3Client.destroy());
  };

  test('creates a key that signs S3 requests, lists it, and S3 refuses it once deactivated, then deleted', async () => {
    const created = (await client.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey;
    expect(created).toMatchObject({ UserName: USER, Status: 'Active', AccessKeyId: expect.stringMatching(/^AKIA[A-Z2-7]{16}$/) });
    const id = created?.AccessKeyId ?? '';
    const secret = created?.SecretAccessKey ?? '';
    await listS3(id, secret);
    const listed = await client.send(new ListAccessKeysCommand({ UserName: USER }));
    expect(listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status, k.CreateDate instanceof Date])).toEqual([[id, 'Active', true]]);

    await client.send(new UpdateAccessKeyCommand({ UserName: USER, AccessKeyId: id, Status: 'Inactive' }));
    expect((await failure(listS3(id, secret), S3ServiceException)).name).toBe('InvalidAccessKeyId');
    await client.send(new DeleteAccessKeyCommand({ UserName: USER, AccessKeyId: id }));
    expect((await client.send(new ListAccessKeysCommand({ UserName: USER }))).AccessKeyMetadata).toEqual([]);
    expect((await failure(listS3(id, secret), S3ServiceException)).name).toBe('InvalidAccessKeyId');
    expect(iam.calls.map((c) => c.action)).toEqual(['CreateAccessKey', 'ListAccessKeys', 'UpdateAccessKey', 'DeleteAccessKey', 'ListAccessKeys']);
  });

  test('refuses a third key with LimitExceeded (409, LimitExceededException in the SDK), as IAM allows two per user', async () => {
    await client.send(new CreateAccessKeyCommand({ UserName: USER }));
    await client.send(new CreateAccessKeyCommand({ UserName: USER }));
    const error = await failure(client.send(new CreateAccessKeyCommand({ UserName: USER })), IAMServiceException);
    expect([error.name, error.$metadata.httpStatusCode, error.message]).toEqual(['LimitExceededException', 409, 'Cannot exceed quota for AccessKeysPerUser: 2']);
  });

  test("answers NoSuchEntity (404) for an unknown user or another user's key", async () => {
    expect((await failure(client.send(new ListAccessKeysCommand({ UserName: 'nobody' })), IAMServiceException)).name).toBe('NoSuchEntityException');
    const other = keys.add({ userName: 'someone-else' });
    const error = await failure(client.send(new DeleteAccessKeyCommand({ UserName: USER, AccessKeyId: other.accessKeyId })), IAMServiceException);
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['NoSuchEntityException', 404]);
    expect(keys.get(other.accessKeyId)).toBeDefined();
  });
});
