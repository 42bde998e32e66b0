import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientTarget {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly endpoint?: string;
  /** Where the credentials come from when they are not the static keys above (a node's chain, an assumed role). */
  readonly credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
}

/**
 * An S3 client for a local, path-style endpoint: bounded timeouts and one retry, so a
 * dead endpoint fails a job in seconds; checksums only where S3 requires them, because
 * s3rver does not understand aws-chunked uploads with trailing checksums.
 */
export function localS3Client(target: S3ClientTarget): S3Client {
  if (target.endpoint === undefined) {
    // Never let a test reach AWS: the double's stand-in for AWS S3 is its awsS3Endpoint option.
    throw new Error('the CockroachDB double has no AWS S3: start it with awsS3Endpoint, or put AWS_ENDPOINT in the URI');
  }
  return new S3Client({
    region: target.region,
    endpoint: target.endpoint,
    forcePathStyle: true,
    credentials: target.credentials ?? { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey, sessionToken: target.sessionToken },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 10000 },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
