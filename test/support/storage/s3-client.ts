import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientTarget {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly endpoint?: string;
}

/**
 * An S3 client for a local, path-style endpoint: bounded timeouts and one retry, so a
 * dead endpoint fails a job in seconds; checksums only where S3 requires them, because
 * s3rver does not understand aws-chunked uploads with trailing checksums.
 */
export function localS3Client(target: S3ClientTarget): S3Client {
  return new S3Client({
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey, sessionToken: target.sessionToken },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 10000 },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
