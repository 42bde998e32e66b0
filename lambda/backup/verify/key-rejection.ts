import { s3KeyRejection, S3KeyRejection } from '../connect/errors';
import { SecretSource } from '../connect/secrets';
import { AccessKey } from '../submit/storage';

/** What to do about a backup job that failed because S3 rejected its access key. */
export type KeyRejectionStep =
  /** The secret now holds another key (a rotation): submit once more with it. */
  | { readonly retry: true; readonly freshKey: AccessKey; readonly note: string }
  /** The secret still holds the rejected key: nothing a retry can cure; `advice` says what to check. */
  | { readonly retry: false; readonly advice: string };

/** The S3 key rejection a failed job shows, or undefined for any other failure. */
export function rejectedKey(job: { readonly status: string; readonly error: string } | undefined): S3KeyRejection | undefined {
  return job?.status === 'failed' ? s3KeyRejection(job.error) : undefined;
}

/**
 * After a job failed on a rejected key: reads the access-key secret again (one Secrets
 * Manager call) and retries only when it holds another key than the one the job carried.
 * The backup Lambda reads the key at the start of every run, so a job carries the
 * newest key; it can still meet a rotation that completed while the run was going on
 * (the secret was rewritten, the old key deactivated at once after a leak). Retrying with
 * the same key would fail the same way.
 */
export async function afterKeyRejection(secrets: SecretSource, used: AccessKey, code: S3KeyRejection): Promise<KeyRejectionStep> {
  const current = await secrets.accessKey();
  if (current.accessKeyId !== used.accessKeyId || current.secretAccessKey !== used.secretAccessKey) {
    return {
      retry: true,
      freshKey: current,
      note: `S3 rejected access key ${used.accessKeyId} (${code}) and the access-key secret now holds ${current.accessKeyId} (rotated), so the backup was retried once with it`,
    };
  }
  return { retry: false, advice: keyRejectionAdvice(code, used, 'the access-key secret still holds it, so no retry was made') };
}

/** The advice for a retry with a fresh key that S3 rejected too. */
export function retryRejectedAdvice(code: S3KeyRejection, used: AccessKey): string {
  return keyRejectionAdvice(code, used, 'it was the fresh key of a retry');
}

/**
 * What a person checks when S3 rejects the key the secret holds. The access key id is not
 * a secret (CockroachDB shows it in job descriptions); the secret key is never named.
 */
function keyRejectionAdvice(code: S3KeyRejection, used: AccessKey, why: string): string {
  const check =
    code === 'AccessDenied'
      ? "check the backup user's permissions on the collection (its group policy, the bucket policy, the bucket's KMS key) and that the key is active"
      : 'check that the key is active (`aws iam list-access-keys` for the backup user: was it deactivated or deleted, e.g. retired at once after a leak, before the secret held a new key?) ' +
        'and, if not, rotate now (`aws secretsmanager rotate-secret --secret-id <access-key secret>`)';
  return `S3 rejected access key ${used.accessKeyId} (${code}) and ${why}: ${check}`;
}
