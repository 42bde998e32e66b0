import { s3KeyRejection } from '../../../lambda/backup/connect/errors';
import { afterKeyRejection, rejectedKey, retryRejectedAdvice } from '../../../lambda/backup/verify/key-rejection';
import { SecretSource } from '../../../lambda/backup/connect/secrets';
import { AccessKey } from '../../../lambda/backup/submit/storage';
import { ROTATED_ACCESS_KEY, TEST_ACCESS_KEY } from '../helpers/fixtures';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

/** Job errors as the CockroachDB double writes them for a rejected key (test/support/storage/collection-store.ts). */
const LABEL = 's3://backup-bucket/prod_1/cluster/2026/11/24-120000.00?AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE&AWS_SECRET_ACCESS_KEY=redacted';
const jobError = (code: string, message: string): string =>
  `${LABEL} returned an unexpected error when checking for the existence of BACKUP_MANIFEST file: failed to get s3 object: ${code}: ${message}\n\tstatus code: 403, request id: 0123456789ABCDEF`;

/** A source whose access-key secret holds `key`, counting its reads. */
function secretsHolding(key: AccessKey): SecretSource & { reads: number } {
  return {
    reads: 0,
    fetchCount: 0,
    async connection() {
      throw new Error('not used');
    },
    async accessKey() {
      this.reads += 1;
      return key;
    },
    async pendingConnection() {
      throw new Error('not used');
    },
  };
}

describe('s3KeyRejection', () => {
  test.each([
    ['InvalidAccessKeyId', jobError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.')],
    ['SignatureDoesNotMatch', jobError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.')],
    ['AccessDenied', jobError('AccessDenied', 'Access Denied')],
    // aws-sdk-go v2's wording, which newer CockroachDB releases wrap instead.
    ['InvalidAccessKeyId', 'failed to get s3 object: operation error S3: GetObject, https response error StatusCode: 403, api error InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.'],
  ])('finds %s in a job error', (code, error) => {
    expect(s3KeyRejection(error)).toBe(code);
  });

  test.each([
    'path does not contain a completed latest backup: ...',
    'previous BACKUP belongs to cluster 5f1a...',
    'AccessDeniedException from another service',
    '',
  ])('finds none in "%s"', (error) => {
    expect(s3KeyRejection(error)).toBeUndefined();
  });
});

describe('rejectedKey', () => {
  test('reads only failed jobs: a canceled job that names a key error was stopped by a person', () => {
    const error = jobError('InvalidAccessKeyId', 'x');
    expect(rejectedKey({ status: 'failed', error })).toBe('InvalidAccessKeyId');
    expect(rejectedKey({ status: 'canceled', error })).toBeUndefined();
    expect(rejectedKey(undefined)).toBeUndefined();
  });
});

describe('afterKeyRejection', () => {
  test('retries with the key the secret now holds when a rotation replaced the rejected one', async () => {
    const secrets = secretsHolding(ROTATED_ACCESS_KEY);
    const step = await afterKeyRejection(secrets, TEST_ACCESS_KEY, 'InvalidAccessKeyId');
    guard.inspect(step.retry ? step.note : step);
    expect(step).toEqual({
      retry: true,
      freshKey: ROTATED_ACCESS_KEY,
      note: `S3 rejected access key ${TEST_ACCESS_KEY.accessKeyId} (InvalidAccessKeyId) and the access-key secret now holds ${ROTATED_ACCESS_KEY.accessKeyId} (rotated), so the backup was retried once with it`,
    });
    expect(secrets.reads).toBe(1);
  });

  test('retries when only the secret key changed (the id is the same, the secret was corrected)', async () => {
    const step = await afterKeyRejection(secretsHolding({ ...TEST_ACCESS_KEY, secretAccessKey: ROTATED_ACCESS_KEY.secretAccessKey }), TEST_ACCESS_KEY, 'SignatureDoesNotMatch');
    expect(step.retry).toBe(true);
  });

  test('does not retry when the secret still holds the rejected key, and says to check whether it was retired', async () => {
    const step = await afterKeyRejection(secretsHolding(TEST_ACCESS_KEY), TEST_ACCESS_KEY, 'InvalidAccessKeyId');
    guard.inspect(step);
    expect(step.retry).toBe(false);
    expect(!step.retry && step.advice).toMatch(
      /^S3 rejected access key AKIAIOSFODNN7EXAMPLE \(InvalidAccessKeyId\) and the access-key secret still holds it, so no retry was made: check that the key is active .*retired at once after a leak.*aws secretsmanager rotate-secret/,
    );
  });

  test("points at the backup user's permissions for AccessDenied", async () => {
    const step = await afterKeyRejection(secretsHolding(TEST_ACCESS_KEY), TEST_ACCESS_KEY, 'AccessDenied');
    expect(!step.retry && step.advice).toMatch(/check the backup user's permissions on the collection/);
  });
});

test('retryRejectedAdvice says the fresh key of the retry was rejected too', () => {
  expect(retryRejectedAdvice('InvalidAccessKeyId', ROTATED_ACCESS_KEY)).toMatch(/^S3 rejected access key AKIAROTATEDEXAMPLE01 \(InvalidAccessKeyId\) and it was the fresh key of a retry: check that the key is active/);
});
