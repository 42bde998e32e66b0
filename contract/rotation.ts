/**
 * How the construct configures the access-key rotation function (lambda/rotation/), and
 * the one event of its own that it accepts besides Secrets Manager's rotation steps. The
 * construct sets and sends them (lib/), the function reads them (lambda/rotation/); both
 * import this file.
 */
export const ROTATION_ENV = {
  /** Name of the IAM user whose access keys the function manages (and no other user's). */
  userName: 'BACKUP_USER_NAME',
  /** Bucket and collection prefix: testSecret signs an S3 request on the collection with the new key. */
  bucketName: 'BUCKET_NAME',
  bucketRegion: 'BUCKET_REGION',
  collection: 'COLLECTION',
  /** Optional S3-compatible endpoint for testSecret (tests; empty: AWS S3). */
  s3Endpoint: 'S3_ENDPOINT',
  /**
   * Seconds the previous key stays active after a rotation made a new one current: longer
   * than any backup job that may carry it in its storage URI can still run.
   */
  previousKeyGraceSeconds: 'PREVIOUS_KEY_GRACE_SECONDS',
  /** CloudWatch namespace and collection dimension of the rotation metrics. */
  metricsNamespace: 'METRICS_NAMESPACE',
} as const;

/**
 * Sent by the construct's retirement schedule (and by an operator after a leaked key):
 * deactivate, then delete, access keys of the user that the secret no longer holds as
 * AWSCURRENT once their grace period is over. `immediately` skips the grace period: the
 * leaked-key case, where a failed backup job is the lesser evil.
 */
export interface RetirePreviousKeyEvent {
  readonly action: 'retire-previous-key';
  readonly immediately?: boolean;
}
