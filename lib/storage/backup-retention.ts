import { Annotations, Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { RetentionWindow, retentionWindow, RetentionWindowInputs } from './retention-window';
import { invalid } from '../validation';

/**
 * A move of the collection's objects to a cheaper storage class once they are this old.
 * Only classes CockroachDB reads with a plain GetObject are accepted: S3 Standard-IA
 * (`s3.StorageClass.INFREQUENT_ACCESS`) and S3 Glacier Instant Retrieval
 * (`s3.StorageClass.GLACIER_INSTANT_RETRIEVAL`).
 */
export interface RetentionTransition {
  /** `s3.StorageClass.INFREQUENT_ACCESS` or `s3.StorageClass.GLACIER_INSTANT_RETRIEVAL`. */
  readonly storageClass: s3.StorageClass;

  /**
   * Age of an object at the move, whole days, shorter than the collection's expiry. S3 moves
   * objects to Standard-IA at 30 days at the earliest, and to Glacier Instant Retrieval at
   * least 30 days after a move to Standard-IA.
   */
  readonly transitionAfter: Duration;
}

/** What the lifecycle rule of a collection is computed from (`BackupRetention.lifecycleRule`). */
export interface RetentionRuleOptions {
  /** The collection prefix, as given to `CockroachBackup` (no leading or trailing slash). */
  readonly collection: string;

  /** The promise: every point from now minus this to the newest backup stays restorable. Whole days. */
  readonly retention: Duration;

  /**
   * Time between two full backups.
   * @default Duration.days(1), the default full schedule's
   */
  readonly fullBackupInterval?: Duration;

  /**
   * Time between two incremental runs.
   * @default Duration.hours(1), the default incremental schedule's
   */
  readonly incrementalInterval?: Duration;

  /**
   * Most incrementals on one full backup, as given to `CockroachBackup`.
   * @default 48
   */
  readonly maxIncrementals?: number;

  /**
   * Moves to cheaper storage classes.
   * @default none: objects stay in S3 Standard until they expire
   */
  readonly transitions?: RetentionTransition[];
}

/** The id of the collection's expiry rule in the bucket's lifecycle configuration. */
export const EXPIRE_CHAINS_RULE_ID = 'ExpireBackupChains';
/** The warning a construct that creates its bucket without `retention` gives once. */
export const RETENTION_NOT_SET_WARNING = 'cockroach-backup-cdk:retentionNotSet';
/**
 * Noncurrent versions of a collection with retention: the expiry turns every current version
 * into a noncurrent one behind a delete marker, which goes after this many days. One day keeps
 * the bound close to the window; `bucketOptions.noncurrentVersionExpiration` overrides it.
 */
export const NONCURRENT_WITH_RETENTION = Duration.days(1);

const MAX_RETENTION_DAYS = 36500;

/**
 * Storage classes S3 lifecycle rules can move objects to, and whether CockroachDB can read a
 * backup from them: BACKUP, SHOW BACKUP, RESTORE and the drills read every file with GetObject
 * (pkg/cloud/amazon/s3_storage.go); objects in Glacier Flexible Retrieval or Deep Archive
 * answer that with InvalidObjectState until a RestoreObject request, hours later, made a copy.
 */
const READABLE = new Map<string, string>([
  [s3.StorageClass.INFREQUENT_ACCESS.toString(), 'S3 Standard-IA'],
  [s3.StorageClass.GLACIER_INSTANT_RETRIEVAL.toString(), 'S3 Glacier Instant Retrieval'],
]);
const ARCHIVED = new Map<string, string>([
  [s3.StorageClass.GLACIER.toString(), 'S3 Glacier Flexible Retrieval'],
  [s3.StorageClass.DEEP_ARCHIVE.toString(), 'S3 Glacier Deep Archive'],
]);
/** S3's earliest move to Standard-IA, and the time an object must spend there before moving on. */
const IA_MINIMUM_DAYS = 30;

/**
 * Retention as a lifecycle rule of the collection, for a bucket `CockroachBackup` does not
 * create (the construct refuses `retention` with such a bucket: it cannot own its lifecycle).
 * Add the rule to that bucket's lifecycle configuration:
 * `bucket.addLifecycleRule(BackupRetention.lifecycleRule({ collection, retention: Duration.days(35) }))`.
 */
export class BackupRetention {
  /**
   * The expiry rule of the collection: current versions under `<collection>/` expire at
   * `retention + chain span + margin` days (README, "Retention"), with the transitions given.
   * Also needed on the bucket: an expiry of noncurrent versions and an abort of incomplete
   * multipart uploads, which a bucket-wide rule usually gives.
   */
  public static lifecycleRule(options: RetentionRuleOptions): s3.LifecycleRule {
    const window = retentionWindow({
      retention: options.retention,
      fullInterval: options.fullBackupInterval ?? Duration.days(1),
      runInterval: options.incrementalInterval ?? Duration.hours(1),
      maxIncrementals: options.maxIncrementals ?? 48,
    });
    return expireChainsRule(options.collection, window, options.transitions ?? []);
  }

  private constructor() {}
}

function expireChainsRule(collection: string, window: RetentionWindow, transitions: readonly RetentionTransition[]): s3.LifecycleRule {
  return {
    id: EXPIRE_CHAINS_RULE_ID,
    // The trailing slash: a rule for `prod/c1` must not reach `prod/c10`.
    prefix: `${collection}/`,
    expiration: Duration.days(window.expirationDays),
    transitions: transitions.length === 0 ? undefined : transitions.map((t) => ({ storageClass: t.storageClass, transitionAfter: t.transitionAfter })),
  };
}

/** The rule in the form of the bucket's CloudFormation LifecycleConfiguration, for messages. */
function ruleAsCloudFormation(collection: string, window: RetentionWindow, transitions: readonly RetentionTransition[]): string {
  return JSON.stringify({
    Id: EXPIRE_CHAINS_RULE_ID,
    Status: 'Enabled',
    Prefix: `${collection}/`,
    ExpirationInDays: window.expirationDays,
    ...(transitions.length === 0 ? {} : { Transitions: transitions.map((t) => ({ StorageClass: t.storageClass.toString(), TransitionInDays: t.transitionAfter.toDays() })) }),
  });
}

export interface RetentionSettings {
  readonly retention?: Duration;
  readonly transitions?: RetentionTransition[];
  /** Whether the construct creates its bucket (else a bucket was given). */
  readonly createsBucket: boolean;
  readonly collection: string;
  readonly window: Omit<RetentionWindowInputs, 'retention'>;
}

/** The collection's retention rules, resolved: what the new bucket adds to its lifecycle configuration. */
export interface ResolvedRetention {
  readonly window: RetentionWindow;
  readonly rules: s3.LifecycleRule[];
}

/**
 * Validates `retention` and `retentionTransitions` and returns the rules for the new bucket:
 * the collection's expiry (with transitions) and the removal of the delete markers the expiry
 * leaves once their noncurrent versions are gone (S3 refuses both actions in one rule).
 * Without retention: undefined, and one warning when the construct creates its bucket.
 */
export function resolveRetention(scope: Construct, settings: RetentionSettings): ResolvedRetention | undefined {
  const { retention, collection } = settings;
  const transitions = settings.transitions ?? [];
  if (retention === undefined) {
    if (settings.transitions !== undefined) invalid(scope, 'retentionTransitions', 'set without retention', 'retention to be set as well: transitions belong to its rule');
    if (settings.createsBucket) {
      Annotations.of(scope).addWarningV2(
        RETENTION_NOT_SET_WARNING,
        'retention is not set: no backup in the new bucket ever expires, so storage grows without bound. Set retention to how far ' +
          'back you must be able to restore (your RPO history, compliance rules, cost; README, "Retention"), e.g. ' +
          'retention: Duration.days(35); or acknowledge this warning to keep every backup.',
      );
    }
    return undefined;
  }
  if (retention.isUnresolved()) invalid(scope, 'retention', 'a token', 'a concrete duration: the lifecycle rule counts whole days');
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
    invalid(scope, 'retention', retention.toHumanString(), `a whole number of days from 1 to ${MAX_RETENTION_DAYS} (S3 lifecycle rules count days)`);
  }
  if (settings.window.runInterval.isUnresolved()) {
    invalid(scope, 'incrementalInterval', 'a token', 'a concrete duration with retention: the chain span sizes the expiry');
  }
  const window = retentionWindow({ ...settings.window, retention });
  checkTransitions(scope, transitions, window);
  if (!settings.createsBucket) {
    invalid(
      scope,
      'retention',
      `${retention.toHumanString()} with an existing bucket`,
      'a bucket this construct creates: it cannot own the lifecycle of a bucket it was given. Leave retention unset and add this rule ' +
        `to the bucket's LifecycleConfiguration yourself: ${ruleAsCloudFormation(collection, window, transitions)} ` +
        '(in CDK: bucket.addLifecycleRule(BackupRetention.lifecycleRule({ collection, retention, ... }))), with noncurrent versions ' +
        'expiring after a few days and incomplete multipart uploads aborted',
    );
  }
  return {
    window,
    rules: [
      expireChainsRule(collection, window, transitions),
      { id: 'RemoveExpiredDeleteMarkers', prefix: `${collection}/`, expiredObjectDeleteMarker: true },
    ],
  };
}

function checkTransitions(scope: Construct, transitions: readonly RetentionTransition[], window: RetentionWindow): void {
  let previous: { name: string; days: number } | undefined;
  transitions.forEach((transition, index) => {
    const prop = `retentionTransitions[${index}]`;
    const klass = transition.storageClass.toString();
    const archived = ARCHIVED.get(klass);
    if (archived !== undefined) {
      invalid(
        scope,
        `${prop}.storageClass`,
        archived,
        `${[...READABLE.values()].join(' or ')}: CockroachDB reads backups with plain GetObject requests, which ${archived} answers with ` +
          'InvalidObjectState until a RestoreObject request made a temporary copy hours later, so RESTORE, SHOW BACKUP and the drills would fail',
      );
    }
    const name = READABLE.get(klass);
    if (name === undefined) invalid(scope, `${prop}.storageClass`, klass, `s3.StorageClass.INFREQUENT_ACCESS or s3.StorageClass.GLACIER_INSTANT_RETRIEVAL`);
    if (transition.transitionAfter.isUnresolved()) invalid(scope, `${prop}.transitionAfter`, 'a token', 'a concrete duration in whole days');
    const days = transition.transitionAfter.toDays({ integral: false });
    const earliest = name === 'S3 Standard-IA' ? IA_MINIMUM_DAYS : previous !== undefined ? previous.days + IA_MINIMUM_DAYS : 1;
    if (!Number.isInteger(days) || days < earliest || days >= window.expirationDays) {
      invalid(
        scope,
        `${prop}.transitionAfter`,
        transition.transitionAfter.toHumanString(),
        `whole days from ${earliest} (S3's earliest move to ${name}${previous === undefined ? '' : ` after ${previous.name}`}) to ` +
          `${window.expirationDays - 1}, before the collection expires at ${window.expirationDays} days`,
      );
    }
    if (previous !== undefined && (previous.name === name || name === 'S3 Standard-IA')) {
      invalid(scope, `${prop}.storageClass`, name, `at most one move per class, S3 Standard-IA before S3 Glacier Instant Retrieval (after ${previous.name})`);
    }
    previous = { name, days };
  });
}
