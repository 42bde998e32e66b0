import { ListObjectsV2Command, S3ServiceException } from '@aws-sdk/client-s3';
import { installSecretGuard, TEST_ACCESS_KEY_ID } from '../lambda/helpers/secret-guard';
import { localS3Client } from '../support/storage/s3-client';
import { BUCKET, COLLECTION, GRACE_SECONDS, metricSum, RotationWorld, startRotationWorld, summaries } from './helpers/rotation-world';

const guarded: string[] = [];
const guard = installSecretGuard(guarded);

/** Whether S3 accepts a key of the world (looked up in the shared store by id). */
async function s3Accepts(world: RotationWorld, accessKeyId: string): Promise<boolean | string> {
  const key = world.keys.get(accessKeyId);
  if (key === undefined) return 'deleted';
  const client = localS3Client({ accessKeyId, secretAccessKey: key.secretAccessKey, region: 'us-east-1', endpoint: world.s3.endpoint });
  try {
    await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${COLLECTION}/`, MaxKeys: 1 }));
    return true;
  } catch (error) {
    if (error instanceof S3ServiceException) return error.name;
    throw error;
  } finally {
    client.destroy();
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the invocation to fail');
}

describe('a rotation', () => {
  let world: RotationWorld;
  beforeEach(async () => {
    world = await startRotationWorld({ guarded });
  });
  afterEach(async () => {
    await world.close();
  });

  test('creates a new key, tests it on the collection and makes it current; the old key stays active and usable', async () => {
    const token = await world.rotate();
    const newKey = world.keyIdAt('AWSCURRENT');
    expect(newKey).toMatch(/^AKIA/);
    expect(newKey).not.toBe(TEST_ACCESS_KEY_ID);
    expect(world.keyIdAt('AWSPREVIOUS')).toBe(TEST_ACCESS_KEY_ID);
    expect(world.keyStates()).toEqual({ [TEST_ACCESS_KEY_ID]: 'Active', [newKey ?? '']: 'Active' });
    expect([await s3Accepts(world, TEST_ACCESS_KEY_ID), await s3Accepts(world, newKey ?? '')]).toEqual([true, true]);
    expect(summaries(guard.lines).map((s) => [s.action, s.outcome, s.token])).toEqual([
      ['createSecret', 'succeeded', token],
      ['setSecret', 'succeeded', token],
      ['testSecret', 'succeeded', token],
      ['finishSecret', 'succeeded', token],
    ]);
    expect([metricSum(guard.lines, 'RotationSucceeded'), metricSum(guard.lines, 'RotationFailed')]).toEqual([1, 0]);
    expect(world.iam.calls.map((c) => c.action)).toEqual(['ListAccessKeys', 'CreateAccessKey']);
  });

  test('fails testSecret when the new key lacks access: the old key stays current, RotationFailed is emitted, the step throws', async () => {
    await world.close();
    world = await startRotationWorld({ guarded, newKeyBuckets: ['some-other-bucket'] });
    const error = await rejection(world.rotate());
    const pendingKey = world.keyIdAt('AWSPENDING') ?? '';
    expect(error.message).toContain(`testSecret failed for the access-key secret ${world.secretArn}`);
    expect(error.message).toContain(`with the new key ${pendingKey} (attempt 6 of 6): AccessDenied`);
    expect(world.keyIdAt('AWSCURRENT')).toBe(TEST_ACCESS_KEY_ID);
    expect(world.keyStates()[TEST_ACCESS_KEY_ID]).toBe('Active');
    expect(metricSum(guard.lines, 'RotationFailed')).toBe(1);
    expect(metricSum(guard.lines, 'RotationSucceeded')).toBeUndefined();
    expect(summaries(guard.lines).map((s) => [s.action, s.outcome])).toEqual([
      ['createSecret', 'succeeded'],
      ['setSecret', 'succeeded'],
      ['testSecret', 'failed'],
    ]);
    // Bounded: five waits, doubling, then the step gives up.
    expect(world.sleeps).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  test('testSecret waits while a new key propagates through IAM, then succeeds', async () => {
    await world.close();
    world = await startRotationWorld({ guarded, newKeyPropagationLookups: 2 });
    await world.rotate();
    expect(world.sleeps).toEqual([1000, 2000]);
    expect(summaries(guard.lines).find((s) => s.action === 'testSecret')?.attempts).toBe(3);
    expect(world.keyIdAt('AWSCURRENT')).not.toBe(TEST_ACCESS_KEY_ID);
  });

  test('every step can be invoked again (Secrets Manager retries steps): one key is created, and a finished rotation is left alone', async () => {
    const token = world.secrets.beginRotation(world.secretArn);
    const step = (Step: string) => world.invoke({ Step, SecretId: world.secretArn, ClientRequestToken: token });
    await step('createSecret');
    const pendingKey = world.keyIdAt('AWSPENDING');
    expect((await step('createSecret')).note).toBe('the pending key already exists');
    await step('setSecret');
    await step('testSecret');
    await step('testSecret');
    await step('finishSecret');
    expect((await step('finishSecret')).acted).toBe(false);
    for (const again of ['createSecret', 'setSecret', 'testSecret']) expect((await step(again)).acted).toBe(false);
    world.secrets.endRotation(world.secretArn, token);
    expect(world.keyIdAt('AWSCURRENT')).toBe(pendingKey);
    expect(world.keyIdAt('AWSPREVIOUS')).toBe(TEST_ACCESS_KEY_ID);
    expect(world.iam.calls.filter((c) => c.action === 'CreateAccessKey')).toHaveLength(1);
    expect(Object.keys(world.keyStates())).toHaveLength(2);
    expect(metricSum(guard.lines, 'RotationSucceeded')).toBe(1);
  });

  test('refuses a token that is not staged AWSPENDING, and a secret other than its own', async () => {
    const unknown = await rejection(world.invoke({ Step: 'createSecret', SecretId: world.secretArn, ClientRequestToken: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown.message).toMatch(/createSecret failed .*version 00000000-0000-4000-8000-000000000000 .* does not exist/);
    const other = await rejection(world.invoke({ Step: 'createSecret', SecretId: `${world.secretArn}-other`, ClientRequestToken: 'x' }));
    expect(other.message).toContain('this function rotates that secret only');
    expect(world.iam.calls.filter((c) => c.action === 'CreateAccessKey')).toEqual([]);
  });

  test("keeps within IAM's two keys: a previous key in its grace period blocks the next rotation, named with the time it may go; after it, the rotation deletes it", async () => {
    await world.rotate();
    const first = world.keyIdAt('AWSCURRENT') ?? '';
    const error = await rejection(world.rotate());
    expect(error.message).toMatch(new RegExp(`createSecret failed .*already holds two access keys and key ${TEST_ACCESS_KEY_ID} may still be in use by a backup job until \\d{4}-\\d{2}-\\d{2}T`));
    expect(world.keyStates()).toEqual({ [TEST_ACCESS_KEY_ID]: 'Active', [first]: 'Active' });
    expect(world.keyIdAt('AWSCURRENT')).toBe(first);
    expect(metricSum(guard.lines, 'RotationFailed')).toBe(1);

    world.advance(GRACE_SECONDS + 1);
    await world.rotate();
    const second = world.keyIdAt('AWSCURRENT') ?? '';
    expect(world.keyStates()).toEqual({ [first]: 'Active', [second]: 'Active' });
    expect(await s3Accepts(world, TEST_ACCESS_KEY_ID)).toBe('deleted');
  });
});

describe('retiring previous keys', () => {
  let world: RotationWorld;
  beforeEach(async () => {
    world = await startRotationWorld({ guarded });
    await world.rotate();
  });
  afterEach(async () => {
    await world.close();
  });

  const retire = (immediately?: boolean) => world.invoke({ action: 'retire-previous-key', ...(immediately === undefined ? {} : { immediately }) });

  test('waits for the grace period, then deactivates the previous key, and deletes it on the next run', async () => {
    const current = world.keyIdAt('AWSCURRENT') ?? '';
    const early = await retire();
    expect(early.retiredKeyIds).toEqual([]);
    expect(early.waiting).toEqual([{ accessKeyId: TEST_ACCESS_KEY_ID, until: expect.stringMatching(/^\d{4}-/) }]);
    expect(world.keyStates()[TEST_ACCESS_KEY_ID]).toBe('Active');

    world.advance(GRACE_SECONDS + 1);
    expect((await retire()).steps).toEqual([{ accessKeyId: TEST_ACCESS_KEY_ID, action: 'deactivate' }]);
    expect(world.keyStates()).toEqual({ [TEST_ACCESS_KEY_ID]: 'Inactive', [current]: 'Active' });
    expect(await s3Accepts(world, TEST_ACCESS_KEY_ID)).toBe('InvalidAccessKeyId');

    expect((await retire()).steps).toEqual([{ accessKeyId: TEST_ACCESS_KEY_ID, action: 'delete' }]);
    expect(world.keyStates()).toEqual({ [current]: 'Active' });
    expect((await retire()).steps).toEqual([]);
    expect(await s3Accepts(world, current)).toBe(true);
    expect(metricSum(guard.lines, 'PreviousKeyRetired')).toBe(2);
  });

  test('with immediately, deactivates and deletes the previous key at once, and warns that running jobs carrying it will fail', async () => {
    const result = await retire(true);
    expect(result.steps).toEqual([
      { accessKeyId: TEST_ACCESS_KEY_ID, action: 'deactivate' },
      { accessKeyId: TEST_ACCESS_KEY_ID, action: 'delete' },
    ]);
    expect(Object.keys(world.keyStates())).toEqual([world.keyIdAt('AWSCURRENT')]);
    const warning = guard.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'WARN');
    expect(warning?.message).toMatch(/without their grace period: backup jobs still running with them will fail/);
    expect(warning?.keyIds).toEqual([TEST_ACCESS_KEY_ID]);
    expect(metricSum(guard.lines, 'PreviousKeyRetired')).toBe(1);
  });

  test('never touches the pending key of a rotation in progress, even immediately', async () => {
    world.advance(GRACE_SECONDS + 1);
    await retire(true);
    const token = world.secrets.beginRotation(world.secretArn);
    await world.invoke({ Step: 'createSecret', SecretId: world.secretArn, ClientRequestToken: token });
    const pending = world.keyIdAt('AWSPENDING') ?? '';
    expect((await retire(true)).steps).toEqual([]);
    expect(world.keyStates()[pending]).toBe('Active');
  });

  test("refuses to act when the secret's current key is not one of the user's keys", async () => {
    world.keys.delete(world.keyIdAt('AWSCURRENT') ?? '');
    const error = await rejection(retire(true));
    expect(error.message).toMatch(/is not a key of the user backup-user .*nothing retired/);
    expect(world.keyStates()).toEqual({ [TEST_ACCESS_KEY_ID]: 'Active' });
  });
});
