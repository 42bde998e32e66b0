import { BackupEvent, RUN_KINDS, RunKind } from '../../../contract/backup-event';
import { ENV, StorageMode } from '../../../contract/environment';
import { AssumedRole, parseAssumeRoleChain, StorageAuth } from '../submit/storage-auth';
import { DEFAULT_METRICS_NAMESPACE } from '../../../contract/metrics';

/** A bucket and its region: what a storage URI names besides the collection and the credentials. */
export interface BucketLocation {
  readonly bucketName: string;
  readonly bucketRegion: string;
}

/**
 * Everything the procedure needs besides secrets, read once per invocation from the
 * environment (the construct sets every variable; the defaults serve the local runner).
 * The bucket and region are the primary's, where backups go.
 */
export interface BackupSettings extends BucketLocation {
  readonly collection: string;
  readonly s3Endpoint?: string;
  readonly storageMode: StorageMode;
  /** How CockroachDB's nodes authenticate to S3: the access key, or their own identity and a chain of roles. */
  readonly storageAuth: StorageAuth;
  /** Set when storageMode is 'external-connection'. */
  readonly externalConnectionName?: string;
  readonly asOfSystemTimeSeconds: number;
  readonly revisionHistory: boolean;
  readonly maxIncrementals: number;
  readonly autoRebaseline: boolean;
  readonly incrementalIntervalSeconds: number;
  readonly tlsVerify: boolean;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly metricsNamespace: string;
  /**
   * Statement timeout of a file check (`SHOW BACKUP ... WITH check_files`), seconds; 0: full
   * backups make no checks (a `check-files` run still checks, bounded by STATEMENT_TIMEOUT_MS).
   */
  readonly fileCheckTimeoutSeconds: number;
  /** The databases a restore drill restores; empty: every database in the backup but `system`. */
  readonly drillDatabases: readonly string[];
  /** The SSM parameter that keeps the drills' state; undefined: drills are off (and no run reads it). */
  readonly drillStateParameter?: string;
  /** Seconds between scheduled drills (0: unknown); for messages only, the alarm is the construct's. */
  readonly drillIntervalSeconds: number;
  /** The SSM parameter that keeps the followed jobs; undefined: no following (the local runner). */
  readonly followStateParameter?: string;
  /** Seconds without progress after which a running job is reported hung. */
  readonly hangAfterSeconds: number;
  /** The retention promise in seconds; 0: no retention (no window metrics). */
  readonly retentionSeconds: number;
  /** The SSM parameter whose LastModifiedDate says when the promise began; undefined without retention. */
  readonly retentionParameter?: string;
  /** Drills restore the oldest point the retention promises instead of a point in the newest chain. */
  readonly drillOldestInWindow: boolean;
  /**
   * The off-site copy (DRILL_COPY_BUCKET_NAME, DRILL_COPY_BUCKET_REGION) that restore drills plan
   * and restore from instead of the primary, under the same collection; undefined: drills read
   * the primary. Backups, file checks and following always use the primary.
   */
  readonly drillCopy?: BucketLocation;
  /** The connection secret's password is rotated: after a failed login with AWSCURRENT, try AWSPENDING once (run-session.ts). */
  readonly passwordRotation: boolean;
}

/** Where each secret lives in Secrets Manager (only the Lambda needs these). */
export interface SecretArns {
  readonly connectionSecretArn: string;
  /** Undefined in keyless modes (STORAGE_AUTH=implicit): there is no access key. */
  readonly accessKeySecretArn?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * How a setting is named to the person who supplies it: the environment variable for
 * the Lambda, a command-line flag for the local runner. Unnamed settings use the
 * environment variable's name.
 */
export type SettingLabels = Partial<Record<keyof typeof ENV, string>>;

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

// S3 bucket naming rules (lower case letters, digits, dots, hyphens; 3-63 characters).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
// Path segments restricted to characters that need no URL encoding, so that the
// prefix we match in job descriptions is exactly what CockroachDB prints there; no
// '.' or '..' segment (a URL parser would fold it away). Same rule as lib/validation.ts.
const COLLECTION = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;
// External connection names are kept to identifier characters: they are printed
// inside 'external://<name>' and matched with LIKE.
const CONNECTION_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// SSM parameter names: letters, digits, . - _ and / (a path), at most 1011 characters.
const PARAMETER_NAME = /^[A-Za-z0-9_.\-/]{1,1011}$/;

class Reader {
  constructor(
    private readonly env: Environment,
    private readonly labels: SettingLabels,
  ) {}

  private label(key: keyof typeof ENV): string {
    return this.labels[key] ?? ENV[key];
  }

  optional(key: keyof typeof ENV): string | undefined {
    const value = this.env[ENV[key]]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(key: keyof typeof ENV, expected: string): string {
    const value = this.optional(key);
    if (value === undefined) {
      throw new ConfigurationError(`${this.label(key)} is not set: expected ${expected}`);
    }
    return value;
  }

  matching(key: keyof typeof ENV, pattern: RegExp, expected: string): string {
    const value = this.required(key, expected);
    if (!pattern.test(value)) {
      throw new ConfigurationError(`${this.label(key)} is '${value}': expected ${expected}`);
    }
    return value;
  }

  boolean(key: keyof typeof ENV, fallback: boolean): boolean {
    const value = this.optional(key);
    if (value === undefined) return fallback;
    if (value !== 'true' && value !== 'false') {
      throw new ConfigurationError(`${this.label(key)} is '${value}': expected 'true' or 'false'`);
    }
    return value === 'true';
  }

  integer(key: keyof typeof ENV, fallback: number, min: number, max: number): number {
    const value = this.optional(key);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new ConfigurationError(`${this.label(key)} is '${value}': expected a whole number from ${min} to ${max}`);
    }
    return parsed;
  }
}

/** Defaults that apply when a variable is unset (the construct always sets them). */
export const DEFAULTS = {
  asOfSystemTimeSeconds: 10,
  revisionHistory: true,
  // Cockroach Labs supports at most 48 incrementals on one full backup.
  maxIncrementals: 48,
  autoRebaseline: true,
  incrementalIntervalSeconds: 3600,
  tlsVerify: true,
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  // Checks and drills are off until the construct turns them on.
  fileCheckTimeoutSeconds: 0,
  drillIntervalSeconds: 0,
  hangAfterSeconds: 3600,
  retentionSeconds: 0,
} as const;

/** Reads and validates the settings; throws ConfigurationError naming the variable and what it expects. */
export function parseSettings(env: Environment, labels: SettingLabels = {}): BackupSettings {
  const read = new Reader(env, labels);
  const storageMode = read.optional('storageMode') ?? 'uri';
  if (storageMode !== 'uri' && storageMode !== 'external-connection') {
    throw new ConfigurationError(`${labels.storageMode ?? ENV.storageMode} is '${storageMode}': expected 'uri' or 'external-connection'`);
  }
  const storageAuth = parseStorageAuth(read, labels);
  const s3Endpoint = read.optional('s3Endpoint');
  if (s3Endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(s3Endpoint)) {
    throw new ConfigurationError(`${labels.s3Endpoint ?? ENV.s3Endpoint} is '${s3Endpoint}': expected an http(s) URL or nothing (AWS S3)`);
  }
  return {
    bucketName: read.matching('bucketName', BUCKET_NAME, 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    bucketRegion: read.matching('bucketRegion', REGION, 'an AWS region such as eu-west-1'),
    collection: read.matching('collection', COLLECTION, 'a prefix of letters, digits, . _ - separated by single slashes, without leading or trailing slash or . or .. segments'),
    s3Endpoint,
    storageMode,
    storageAuth,
    externalConnectionName:
      storageMode === 'external-connection'
        ? read.matching('externalConnectionName', CONNECTION_NAME, 'a name of lower-case letters, digits and underscores (external-connection mode)')
        : undefined,
    asOfSystemTimeSeconds: read.integer('asOfSystemTimeSeconds', DEFAULTS.asOfSystemTimeSeconds, 1, 3600),
    revisionHistory: read.boolean('revisionHistory', DEFAULTS.revisionHistory),
    maxIncrementals: read.integer('maxIncrementals', DEFAULTS.maxIncrementals, 0, 1000),
    autoRebaseline: read.boolean('autoRebaseline', DEFAULTS.autoRebaseline),
    incrementalIntervalSeconds: read.integer('incrementalIntervalSeconds', DEFAULTS.incrementalIntervalSeconds, 60, 31 * 86400),
    tlsVerify: read.boolean('tlsVerify', DEFAULTS.tlsVerify),
    connectTimeoutMs: read.integer('connectTimeoutMs', DEFAULTS.connectTimeoutMs, 100, 900_000),
    statementTimeoutMs: read.integer('statementTimeoutMs', DEFAULTS.statementTimeoutMs, 100, 900_000),
    metricsNamespace: read.optional('metricsNamespace') ?? DEFAULT_METRICS_NAMESPACE,
    fileCheckTimeoutSeconds: read.integer('fileCheckTimeoutSeconds', DEFAULTS.fileCheckTimeoutSeconds, 0, 900),
    drillDatabases: drillDatabases(read.optional('drillDatabases'), labels.drillDatabases ?? ENV.drillDatabases),
    drillStateParameter:
      read.optional('drillStateParameter') === undefined
        ? undefined
        : read.matching('drillStateParameter', PARAMETER_NAME, 'an SSM parameter name (letters, digits, . - _ /) or nothing (drills off)'),
    drillIntervalSeconds: read.integer('drillIntervalSeconds', DEFAULTS.drillIntervalSeconds, 0, 366 * 86400),
    followStateParameter:
      read.optional('followStateParameter') === undefined
        ? undefined
        : read.matching('followStateParameter', PARAMETER_NAME, 'an SSM parameter name (letters, digits, . - _ /) or nothing (no following)'),
    hangAfterSeconds: read.integer('hangAfterSeconds', DEFAULTS.hangAfterSeconds, 60, 7 * 86400),
    retentionSeconds: read.integer('retentionSeconds', DEFAULTS.retentionSeconds, 0, 36500 * 86400),
    drillOldestInWindow: read.boolean('drillOldestInWindow', false),
    passwordRotation: read.boolean('passwordRotation', false),
    retentionParameter:
      read.optional('retentionParameter') === undefined
        ? undefined
        : read.matching('retentionParameter', PARAMETER_NAME, 'an SSM parameter name (letters, digits, . - _ /) or nothing (no retention)'),
    drillCopy: drillCopy(read, labels),
  };
}

/**
 * DRILL_COPY_BUCKET_NAME and DRILL_COPY_BUCKET_REGION: both (drills read the off-site copy) or
 * neither (drills read the primary). One without the other is refused, naming the one missing:
 * a copy URI without its region would send CockroachDB to the wrong endpoint.
 */
function drillCopy(read: Reader, labels: SettingLabels): BucketLocation | undefined {
  const name = read.optional('drillCopyBucketName');
  const region = read.optional('drillCopyBucketRegion');
  if (name === undefined && region === undefined) return undefined;
  const nameLabel = labels.drillCopyBucketName ?? ENV.drillCopyBucketName;
  const regionLabel = labels.drillCopyBucketRegion ?? ENV.drillCopyBucketRegion;
  if (name === undefined) throw new ConfigurationError(`${nameLabel} is not set while ${regionLabel} is '${region}': expected both (drills read the off-site copy) or neither`);
  if (region === undefined) throw new ConfigurationError(`${regionLabel} is not set while ${nameLabel} is '${name}': expected both (drills read the off-site copy) or neither`);
  return {
    bucketName: read.matching('drillCopyBucketName', BUCKET_NAME, 'the off-site copy\'s S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'),
    bucketRegion: read.matching('drillCopyBucketRegion', REGION, 'the off-site copy\'s AWS region, such as eu-central-1'),
  };
}

/**
 * DRILL_DATABASES: comma-separated names, blanks around them ignored. `system` is refused:
 * a database restore of it is not what a drill proves (and CockroachDB refuses it).
 */
function drillDatabases(value: string | undefined, label: string): string[] {
  if (value === undefined) return [];
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new ConfigurationError(`${label} is '${value}': expected database names separated by commas, none empty`);
  if (names.includes('system')) throw new ConfigurationError(`${label} is '${value}': the system database cannot be drilled, leave it out`);
  return [...new Set(names)];
}

/**
 * STORAGE_AUTH and ASSUME_ROLE_CHAIN: unset means the access key (the construct's default
 * sets neither); 'implicit' takes the role chain, which only it may have.
 */
function parseStorageAuth(read: Reader, labels: SettingLabels): StorageAuth {
  const mode = read.optional('storageAuth') ?? 'access-key';
  const label = labels.storageAuth ?? ENV.storageAuth;
  if (mode !== 'access-key' && mode !== 'implicit') throw new ConfigurationError(`${label} is '${mode}': expected 'access-key' or 'implicit'`);
  const chain = read.optional('assumeRoleChain');
  const chainLabel = labels.assumeRoleChain ?? ENV.assumeRoleChain;
  if (mode === 'access-key') {
    if (chain !== undefined) throw new ConfigurationError(`${chainLabel} is '${chain}': expected it only with ${label}=implicit (the access key needs no role)`);
    return { mode };
  }
  let assumeRoles: readonly AssumedRole[] = [];
  if (chain !== undefined) {
    try {
      assumeRoles = parseAssumeRoleChain(chain);
    } catch (error) {
      throw new ConfigurationError(`${chainLabel} is '${chain}': ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { mode, assumeRoles };
}

/** Reads the secret ARNs the Lambda needs: the access-key secret's only when the nodes use the access key. */
export function parseSecretArns(env: Environment): SecretArns {
  const read = new Reader(env, {});
  const arn = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;
  const keyless = parseStorageAuth(read, {}).mode === 'implicit';
  return {
    connectionSecretArn: read.matching('connectionSecretArn', arn, 'the ARN of the connection secret'),
    accessKeySecretArn: keyless ? undefined : read.matching('accessKeySecretArn', arn, 'the ARN of the access-key secret'),
  };
}

/** Validates the schedule's payload: `{"kind":"<one of RUN_KINDS>"}`. */
export function parseEvent(event: unknown): BackupEvent {
  const kind = typeof event === 'object' && event !== null ? (event as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !(RUN_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigurationError(
      `the event's kind is ${JSON.stringify(kind) ?? 'missing'}: expected ${RUN_KINDS.map((k) => `{"kind":"${k}"}`).join(' or ')}`,
    );
  }
  return { kind: kind as RunKind };
}
