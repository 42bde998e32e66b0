import { ENV } from '../../../contract/environment';
import { handler } from '../../../lambda/backup/handler';
import { BackupResult } from '../../../lambda/backup/report/result';
import { BUCKET, COLLECTION, ROLE_CREDENTIALS, RotationWorld, startRotationWorld } from '../../rotation/helpers/rotation-world';
import { CockroachDouble } from '../../support/cockroach-double';
import { BACKUP_USER, connectionSecretFor, ROOT_USER } from '../helpers/harness';
import { installSecretGuard, TEST_ACCESS_KEY_ID } from '../helpers/secret-guard';

/**
 * Issue 13 from end to end, with no mock: the backup Lambda's handler reads its secrets from
 * the fake Secrets Manager (versions and staging labels, through AWS_ENDPOINT_URL_SECRETS_MANAGER),
 * the rotation function rotates the key through the fake IAM, and the CockroachDouble's nodes
 * write with whatever key the BACKUP statement carries to the S3 server, which knows which keys
 * are active, inactive or deleted.
 */
const guarded: string[] = [];
const guard = installSecretGuard(guarded);

let world: RotationWorld;
let double: CockroachDouble;
const savedEnv = { ...process.env };

beforeAll(async () => {
  world = await startRotationWorld({ guarded });
  double = await CockroachDouble.start({ users: [BACKUP_USER, ROOT_USER], awsS3Endpoint: world.s3.endpoint, whenCompleteIntervalMs: 50, jobDurationMs: 30 });
  const connectionSecretArn = world.secrets.createSecret('backup-connection', connectionSecretFor(double));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: world.secrets.endpoint,
    AWS_REGION: 'us-east-1',
    // The Lambda's own credentials toward the fake (its execution role in AWS).
    AWS_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE_CREDENTIALS.secretAccessKey,
    [ENV.connectionSecretArn]: connectionSecretArn,
    [ENV.accessKeySecretArn]: world.secretArn,
    [ENV.bucketName]: BUCKET,
    [ENV.bucketRegion]: 'us-east-1',
    [ENV.collection]: COLLECTION,
    [ENV.connectTimeoutMs]: '2000',
    [ENV.statementTimeoutMs]: '2000',
  });
});

afterAll(async () => {
  process.env = { ...savedEnv };
  await double.stop();
  await world.close();
});

async function run(kind: 'full' | 'incremental'): Promise<BackupResult> {
  const deadline = Date.now() + 15_000;
  const result = await handler({ kind }, { getRemainingTimeInMillis: () => deadline - Date.now() });
  guard.inspect(result);
  return result;
}

/** The access key id of the newest BACKUP statement. */
function lastBackupKeyId(): string | undefined {
  const backups = double.statements.filter((s) => s.text.startsWith('BACKUP'));
  return /AWS_ACCESS_KEY_ID=([A-Z0-9]+)/.exec(backups[backups.length - 1]?.text ?? '')?.[1];
}

test('a warm Lambda backs up with the key a rotation made current, before and after the old key is retired', async () => {
  expect(await run('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });
  expect(lastBackupKeyId()).toBe(TEST_ACCESS_KEY_ID);

  await world.rotate();
  const rotated = world.keyIdAt('AWSCURRENT');
  expect(rotated).not.toBe(TEST_ACCESS_KEY_ID);
  const readsBefore = world.secrets.calls.filter((c) => c.operation === 'GetSecretValue').length;

  expect(await run('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 1, stats: { secretFetches: 1 } });
  expect(lastBackupKeyId()).toBe(rotated);
  expect(world.secrets.calls.filter((c) => c.operation === 'GetSecretValue').length - readsBefore).toBe(1);

  const retired = await world.invoke({ action: 'retire-previous-key', immediately: true });
  expect(retired.retiredKeyIds).toEqual([TEST_ACCESS_KEY_ID]);
  expect(await run('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 2 });
  expect(lastBackupKeyId()).toBe(rotated);
});
