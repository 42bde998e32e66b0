import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerDouble } from '../../support/aws/secrets-manager-double';

async function failure(promise: Promise<unknown>): Promise<SecretsManagerServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof SecretsManagerServiceException) return error;
    throw error;
  }
  throw new Error('expected a Secrets Manager error');
}

describe('the fake Secrets Manager', () => {
  let double: SecretsManagerDouble;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    double = await SecretsManagerDouble.start();
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: double.endpoint, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await double.stop();
  });

  const stagesOf = async (arn: string) => (await client.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages;

  test('reads the current value by name or ARN, and a staged value by stage or version id', async () => {
    const arn = double.createSecret('read-me', 'v1');
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'read-me' }))).SecretString).toBe('v1');
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: 'token-0000000000000000000000000000001', SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }))).SecretString).toBe('v2');
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: 'token-0000000000000000000000000000001', VersionStage: 'AWSPENDING' }))).SecretString).toBe('v2');
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('v1');
  });

  test('moves AWSCURRENT only with RemoveFromVersionId naming its holder, and leaves AWSPREVIOUS behind', async () => {
    const arn = double.createSecret('stages', 'old');
    const oldVersion = double.versions(arn)[0].versionId;
    const token = 'token-0000000000000000000000000000002';
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: 'new', VersionStages: ['AWSPENDING'] }));
    const refused = await failure(client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token })));
    expect(refused.name).toBe('InvalidParameterException');
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: oldVersion }));
    expect(await stagesOf(arn)).toEqual({ [oldVersion]: ['AWSPREVIOUS'], [token]: ['AWSPENDING', 'AWSCURRENT'] });
    const listed = await client.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
    expect(listed.Versions?.map((v) => [v.VersionId, v.CreatedDate instanceof Date])).toEqual([
      [oldVersion, true],
      [token, true],
    ]);
  });

  test('answers ResourceNotFoundException for a missing stage, and a placeholder version without a value', async () => {
    const arn = double.createSecret('missing', 'v1');
    expect((await failure(client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' })))).name).toBe('ResourceNotFoundException');
    const token = double.beginRotation(arn);
    expect(await stagesOf(arn)).toMatchObject({ [token]: ['AWSPENDING'] });
    const error = await failure(client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: 'AWSPENDING' })));
    expect([error.name, error.message]).toEqual(['ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${token} and staging label: AWSPENDING`]);
    expect((await failure(client.send(new DescribeSecretCommand({ SecretId: 'no-such-secret' })))).name).toBe('ResourceNotFoundException');
  });

  test('putValue makes a new current version, as a deploy that changes the secret does', async () => {
    const arn = double.createSecret('deployed', 'v1');
    const first = double.versions(arn)[0].versionId;
    const second = double.putValue(arn, 'v2');
    expect((await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('v2');
    expect(await stagesOf(arn)).toEqual({ [first]: ['AWSPREVIOUS'], [second]: ['AWSCURRENT'] });
  });

  test('keeps PutSecretValue idempotent for one token and value, and refuses another value for it', async () => {
    const arn = double.createSecret('idempotent', 'v1');
    const put = (value: string) => client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: 'token-0000000000000000000000000000003', SecretString: value, VersionStages: ['AWSPENDING'] }));
    await put('v2');
    await put('v2');
    expect((await failure(put('v3'))).name).toBe('ResourceExistsException');
    expect(double.versions(arn)).toHaveLength(2);
  });

  test('rotates: placeholder staged AWSPENDING, four steps in order, then AWSPENDING removed and LastRotatedDate set', async () => {
    const arn = double.createSecret('rotating', 'v1');
    const steps: string[] = [];
    const token = await double.rotate(arn, async (event) => {
      steps.push(event.Step);
      if (event.Step === 'createSecret') await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: event.ClientRequestToken, SecretString: 'v2', VersionStages: ['AWSPENDING'] }));
      if (event.Step === 'finishSecret') {
        await client.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: event.ClientRequestToken, RemoveFromVersionId: double.versions(arn)[0].versionId }));
      }
    });
    expect(steps).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect((await stagesOf(arn))?.[token]).toEqual(['AWSCURRENT']);
    expect((await client.send(new DescribeSecretCommand({ SecretId: arn }))).LastRotatedDate).toBeInstanceOf(Date);
    expect(double.calls.every((c) => !JSON.stringify(c).includes('v2'))).toBe(true);
  });
});
