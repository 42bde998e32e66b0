import { ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { AccessKey } from '../backup/submit/storage';
import { RotationSettings } from './config';
import { describeCause, RotationError } from './errors';

/**
 * S3's answers while a new key is not yet usable everywhere: IAM is eventually consistent,
 * and a new key may be refused for a few seconds (AWS IAM User Guide, "Troubleshoot IAM":
 * changes are not immediately visible). Other errors (a missing bucket) are not retried.
 */
const KEY_NOT_YET_USABLE = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'];

/** Attempts and the first wait, doubled after each refusal: 1+2+4+8+16 = 31 s at most, within the function's timeout. */
export const PROBE = { attempts: 6, firstDelayMs: 1000 } as const;

export type Sleep = (ms: number) => Promise<void>;

/**
 * testSecret's check: the new key signs a ListObjectsV2 on the collection (Prefix
 * `<collection>/`, MaxKeys 1), which the backup user's policy allows, so a success shows
 * that the key exists, is active, and carries the backup user's permissions. The function's
 * own role needs no S3 permission for it. Returns the attempts it took; throws after the
 * last refusal, naming the key id and S3's error (never the secret key).
 */
export async function probeKey(settings: RotationSettings, key: AccessKey, sleep: Sleep): Promise<number> {
  let delay: number = PROBE.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    const client = new S3Client({
      region: settings.bucketRegion,
      endpoint: settings.s3Endpoint,
      forcePathStyle: settings.s3Endpoint !== undefined,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await client.send(new ListObjectsV2Command({ Bucket: settings.bucketName, Prefix: `${settings.collection}/`, MaxKeys: 1 }));
      return attempt;
    } catch (error) {
      const name = error instanceof S3ServiceException ? error.name : undefined;
      if (name !== undefined && KEY_NOT_YET_USABLE.includes(name) && attempt < PROBE.attempts) {
        await sleep(delay);
        delay *= 2;
        continue;
      }
      throw new RotationError(
        `S3 refused ListObjectsV2 on s3://${settings.bucketName}/${settings.collection}/ with the new key ${key.accessKeyId} ` +
          `(attempt ${attempt} of ${PROBE.attempts}): ${describeCause(error)}`,
      );
    } finally {
      client.destroy();
    }
  }
}
