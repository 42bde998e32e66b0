/**
 * Names of the environment variables through which the construct configures the
 * backup Lambda. The construct sets them (lib/) and the Lambda reads them (lambda/);
 * both import this one list so that a rename cannot break only one side.
 */
export const ENV = {
  /** ARN of the connection secret (JSON: host, port, username, password, dbname, ca). */
  connectionSecretArn: 'CONNECTION_SECRET_ARN',
  /** ARN of the access-key secret (JSON: accessKeyId, secretAccessKey); unset in keyless modes. */
  accessKeySecretArn: 'ACCESS_KEY_SECRET_ARN',
  /**
   * How CockroachDB's nodes authenticate to S3: 'access-key' (the key from the access-key
   * secret in the URI; what an unset variable means) or 'implicit' (`AUTH=implicit`: the
   * nodes' own AWS identity, then the roles of ASSUME_ROLE_CHAIN). Set only in keyless modes.
   */
  storageAuth: 'STORAGE_AUTH',
  /**
   * With STORAGE_AUTH 'implicit': CockroachDB's ASSUME_ROLE value, the roles the nodes assume
   * one after the other, comma-separated, each `<role ARN>[;external_id=<id>]`; empty: the
   * nodes' own identity writes the collection. Set only in keyless modes.
   */
  assumeRoleChain: 'ASSUME_ROLE_CHAIN',
  /** Bucket that holds the collection. */
  bucketName: 'BUCKET_NAME',
  /** Region of that bucket, passed to CockroachDB as AWS_REGION. */
  bucketRegion: 'BUCKET_REGION',
  /** Collection prefix inside the bucket: no leading or trailing slash. */
  collection: 'COLLECTION',
  /** Optional S3-compatible endpoint passed as AWS_ENDPOINT (empty: AWS S3). */
  s3Endpoint: 'S3_ENDPOINT',
  /** How the storage is named in BACKUP: 'uri' (keys in the URI) or 'external-connection'. */
  storageMode: 'STORAGE_MODE',
  /** Name of the external connection the Lambda keeps, when storageMode is 'external-connection'. */
  externalConnectionName: 'EXTERNAL_CONNECTION_NAME',
  /** AS OF SYSTEM TIME offset in whole seconds (positive; the statement uses '-<n>s'). */
  asOfSystemTimeSeconds: 'AS_OF_SYSTEM_TIME_SECONDS',
  /** 'true' or 'false': WITH revision_history. */
  revisionHistory: 'REVISION_HISTORY',
  /** Maximum incrementals on one full backup before a full backup is forced. */
  maxIncrementals: 'MAX_INCREMENTALS',
  /** 'true' or 'false': take a full backup when the collection belongs to another cluster or the GC TTL was outlived. */
  autoRebaseline: 'AUTO_REBASELINE',
  /** Seconds between incremental runs; the window in which ended jobs are reported. */
  incrementalIntervalSeconds: 'INCREMENTAL_INTERVAL_SECONDS',
  /** 'true' or 'false': verify the server certificate against the CA (default true). */
  tlsVerify: 'TLS_VERIFY',
  /** Connect timeout in milliseconds. */
  connectTimeoutMs: 'CONNECT_TIMEOUT_MS',
  /** Statement timeout in milliseconds. */
  statementTimeoutMs: 'STATEMENT_TIMEOUT_MS',
  /** CloudWatch namespace of the metrics. */
  metricsNamespace: 'METRICS_NAMESPACE',
  /**
   * Time budget of one file check (`SHOW BACKUP ... WITH check_files`), in whole seconds: its
   * statement timeout. A check that does not finish within it is reported as not checked.
   * '0' turns off the checks that full-backup runs make (a `check-files` run still checks).
   */
  fileCheckTimeoutSeconds: 'FILE_CHECK_TIMEOUT_SECONDS',
  /** Comma-separated databases a restore drill restores; empty or unset: every database in the backup. */
  drillDatabases: 'DRILL_DATABASES',
  /**
   * Name of the SSM parameter that keeps the restore drills' state (the pending drill job,
   * the newest successful drill); empty or unset: drills are off. Only the Lambda writes it.
   */
  drillStateParameter: 'DRILL_STATE_PARAMETER',
  /** Seconds between scheduled restore drills (sizes the drill-age metric's meaning). */
  drillIntervalSeconds: 'DRILL_INTERVAL_SECONDS',
  /**
   * Name of the SSM parameter in which the follow checks keep what they saw
   * (docs/job-following.md). Only the follow function reads and writes it; to the backup
   * function it says that the follow checks tell the jobs' ends, so its runs tell none. Empty
   * or unset: no following (the local runner), each run then reports its own job and the jobs
   * that ended within INCREMENTAL_INTERVAL_SECONDS.
   */
  followStateParameter: 'FOLLOW_STATE_PARAMETER',
  /** A running job whose fraction completed has not moved for this many seconds is reported hung. */
  hangAfterSeconds: 'HANG_AFTER_SECONDS',
  /**
   * The retention promise in whole seconds (every point from now minus this stays restorable);
   * unset or '0': no retention, no window metrics. Set only with the `retention` prop.
   */
  retentionSeconds: 'RETENTION_SECONDS',
  /**
   * The SSM parameter whose LastModifiedDate is when the current promise began (CloudFormation
   * writes it when `retention` is set or changed); the Lambda only reads it. Set with RETENTION_SECONDS.
   */
  retentionParameter: 'RETENTION_PARAMETER',
  /** 'true': restore drills restore the oldest point the retention promises (RETENTION_SECONDS); unset: a point in the newest chain. */
  drillOldestInWindow: 'DRILL_OLDEST_IN_WINDOW',
  /**
   * Bucket of the off-site copy (offsiteCopy) that restore drills read instead of BUCKET_NAME, under
   * the same collection prefix; unset: drills read the primary. Set only with `offsiteCopy.drillFromCopy`.
   */
  drillCopyBucketName: 'DRILL_COPY_BUCKET_NAME',
  /** Region of that bucket (the AWS_REGION of the drill's URI). Set with DRILL_COPY_BUCKET_NAME. */
  drillCopyBucketRegion: 'DRILL_COPY_BUCKET_REGION',
  /**
   * 'true': the connection secret's password is rotated (the `connectionPasswordRotation` prop,
   * docs/password-rotation.md). After an authentication failure that survives a fresh read of
   * AWSCURRENT, the functions log in once with the AWSPENDING version: between the rotation's
   * setSecret and finishSecret the cluster already wants the new password. Set only with the prop.
   */
  passwordRotation: 'PASSWORD_ROTATION',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** Variables the construct sets only for some storage credentials: absent in the default (access key) or in keyless modes. */
export type CredentialEnvName = typeof ENV.accessKeySecretArn | typeof ENV.storageAuth | typeof ENV.assumeRoleChain;

/** The variables set only when their feature is on (keyless credentials, retention), so that a construct without it keeps its template. */
export type OptionalEnvName =
  | typeof ENV.storageAuth
  | typeof ENV.assumeRoleChain
  | typeof ENV.retentionSeconds
  | typeof ENV.retentionParameter
  | typeof ENV.drillOldestInWindow
  | typeof ENV.drillCopyBucketName
  | typeof ENV.drillCopyBucketRegion
  | typeof ENV.passwordRotation;

/** The variables the construct sets only with their feature. */
export const OPTIONAL_ENV: readonly OptionalEnvName[] = [
  ENV.storageAuth,
  ENV.assumeRoleChain,
  ENV.retentionSeconds,
  ENV.retentionParameter,
  ENV.drillOldestInWindow,
  ENV.drillCopyBucketName,
  ENV.drillCopyBucketRegion,
  ENV.passwordRotation,
];

/** The backup Lambda's environment as the construct writes it: the variables of other credential modes and of features that are off left out. */
export type BackupEnvironment = Record<Exclude<EnvName, CredentialEnvName | OptionalEnvName>, string> & Partial<Record<CredentialEnvName | OptionalEnvName, string>>;

export type StorageMode = 'uri' | 'external-connection';
