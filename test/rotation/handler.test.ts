import { handler } from '../../lambda/rotation/handler';
import { installSecretGuard, recordForSecretCheck, TEST_ACCESS_KEY_ID } from '../lambda/helpers/secret-guard';
import { BUCKET, COLLECTION, GRACE_SECONDS, ROLE_CREDENTIALS, RotationWorld, startRotationWorld, USER } from './helpers/rotation-world';

const guarded: string[] = [];
const guard = installSecretGuard(guarded);

/**
 * The bundled entry as Lambda calls it: configured by its environment only, with the AWS
 * SDK's default clients, which the standard `AWS_ENDPOINT_URL_<SERVICE>` variables point at
 * the fakes (the function's code has no endpoint setting of its own for IAM or Secrets Manager).
 */
describe('the rotation function entry', () => {
  let world: RotationWorld;
  const saved = { ...process.env };
  beforeAll(async () => {
    world = await startRotationWorld({ guarded });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROLE_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_IAM: world.iam.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: world.secrets.endpoint,
      ACCESS_KEY_SECRET_ARN: world.secretArn,
      BACKUP_USER_NAME: USER,
      BUCKET_NAME: BUCKET,
      BUCKET_REGION: 'us-east-1',
      COLLECTION,
      S3_ENDPOINT: world.s3.endpoint,
      PREVIOUS_KEY_GRACE_SECONDS: String(GRACE_SECONDS),
      METRICS_NAMESPACE: 'Test/Rotation',
    });
    delete process.env.AWS_PROFILE;
  });
  afterAll(async () => {
    process.env = saved;
    await world.close();
  });

  const invoke = async (event: unknown) => {
    const result = await handler(event);
    recordForSecretCheck(result);
    return result;
  };

  test('runs a rotation through the endpoints the environment names, and a retirement that waits for the grace period', async () => {
    await world.secrets.rotate(world.secretArn, invoke);
    expect(world.keyIdAt('AWSCURRENT')).not.toBe(TEST_ACCESS_KEY_ID);
    expect(world.iam.calls.map((c) => c.action)).toEqual(['ListAccessKeys', 'CreateAccessKey']);
    const metrics = guard.lines.map((l) => JSON.parse(l) as { _aws?: { CloudWatchMetrics: { Namespace: string }[] }; Collection?: string }).filter((l) => l._aws !== undefined);
    expect(new Set(metrics.map((m) => `${m._aws?.CloudWatchMetrics[0].Namespace} ${m.Collection}`))).toEqual(new Set([`Test/Rotation ${BUCKET}/${COLLECTION}`]));

    const retirement = await invoke({ action: 'retire-previous-key' });
    expect(retirement).toMatchObject({ outcome: 'succeeded', retiredKeyIds: [], waiting: [{ accessKeyId: TEST_ACCESS_KEY_ID }] });
  });
});
