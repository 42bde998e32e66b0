import { Duration, Token } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { IConstruct } from 'constructs';
import { CronProblem, firesAfter, parseCron } from './functions/cron-fields';

/**
 * Thrown at synth time when a prop of `CockroachBackup` cannot work. aws-cdk-lib's own
 * `ValidationError` is marked `@internal` (core/lib/errors.d.ts), so it is not part of
 * its public API for third-party constructs; this class plays its role.
 */
export class CockroachBackupValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CockroachBackupValidationError';
  }
}

/**
 * Throws an error that names the construct, the prop, the value received and what
 * was expected, e.g. `Backup: maxIncrementals is 60: expected a whole number from 1 to 48`.
 */
export function invalid(scope: IConstruct, prop: string, received: string, expected: string): never {
  throw new CockroachBackupValidationError(`${scope.node.path}: ${prop} is ${received}: expected ${expected}`);
}

/** How a duration appears in messages: `90 seconds (1 minute 30 seconds)`. */
export function describeDuration(duration: Duration): string {
  return `${duration.toSeconds({ integral: false })} seconds (${duration.toHumanString()})`;
}

/**
 * Checks that a duration is a whole number of seconds in [min, max]; tokens are skipped
 * (the value is only known at deploy time). Returns the seconds, or undefined for a token.
 */
export function checkDurationSeconds(
  scope: IConstruct,
  prop: string,
  duration: Duration,
  min: Duration,
  max: Duration,
  wholeSeconds = true,
): number | undefined {
  if (duration.isUnresolved()) return undefined;
  const seconds = duration.toSeconds({ integral: false });
  const range = `from ${min.toHumanString()} to ${max.toHumanString()}`;
  if (seconds <= 0) invalid(scope, prop, describeDuration(duration), `a positive duration ${range}`);
  if (wholeSeconds && !Number.isInteger(seconds)) {
    invalid(scope, prop, describeDuration(duration), `a whole number of seconds ${range}`);
  }
  if (seconds < min.toSeconds({ integral: false }) || seconds > max.toSeconds({ integral: false })) {
    invalid(scope, prop, describeDuration(duration), `a duration ${range}`);
  }
  return seconds;
}

/** Secrets Manager's bounds of a rotation schedule's `AutomaticallyAfterDays`. */
const ROTATION_DAYS = { min: 1, max: 365 } as const;

/**
 * Checks a rotation interval as Secrets Manager's `AutomaticallyAfterDays` takes it: a whole
 * number of days from 1 to 365, known at synth (a token is refused: the schedule needs a number).
 * `received` is how the prop's value reads in the message. Returns the days.
 */
export function checkRotationDays(scope: IConstruct, prop: string, interval: Duration, received: string): number {
  if (interval.isUnresolved()) invalid(scope, prop, 'a token', 'a concrete interval, validated at synth time');
  const days = interval.toDays({ integral: false });
  if (!Number.isInteger(days) || days < ROTATION_DAYS.min || days > ROTATION_DAYS.max) {
    invalid(scope, prop, received, `a whole number of days from ${ROTATION_DAYS.min} to ${ROTATION_DAYS.max} (Secrets Manager's AutomaticallyAfterDays)`);
  }
  return days;
}

/** Checks that a number is a whole number in [min, max]; tokens are skipped. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max: number, why = ''): void {
  if (Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(scope, prop, String(value), `a whole number from ${min} to ${max}${why}`);
  }
}

/** Path segments of letters, digits, '.', '_' and '-': characters that need no URL encoding. */
const COLLECTION_PATTERN = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const COLLECTION_MAX_LENGTH = 256;
const COLLECTION_EXPECTED =
  'a prefix of letters, digits, ".", "_" and "-" in segments separated by single slashes, ' +
  `without leading or trailing slash, "." or ".." segments, at most ${COLLECTION_MAX_LENGTH} characters (e.g. "prod/cluster-1")`;

/**
 * Validates the collection prefix. It must be safe in three places at once: an S3 key
 * prefix, an IAM resource ARN and `s3:prefix` condition (a '*' or '?' there would be a
 * wildcard), and the `s3://bucket/<collection>` URI the Lambda builds and then matches
 * in CockroachDB's job descriptions without encoding (lambda/backup/connect/config.ts accepts
 * exactly this pattern, so what synthesizes also runs).
 */
export function checkCollection(scope: IConstruct, collection: string): void {
  if (Token.isUnresolved(collection)) {
    invalid(scope, 'collection', 'a token', 'a literal string: it scopes the IAM policy and is validated at synth time');
  }
  const received = JSON.stringify(collection);
  if (collection.length === 0) invalid(scope, 'collection', 'empty', COLLECTION_EXPECTED);
  if (collection.startsWith('/') || collection.endsWith('/')) {
    invalid(scope, 'collection', `${received} (leading or trailing slash)`, COLLECTION_EXPECTED);
  }
  if (collection.split('/').some((segment) => segment === '.' || segment === '..')) {
    invalid(scope, 'collection', `${received} (a "." or ".." segment)`, COLLECTION_EXPECTED);
  }
  if (collection.length > COLLECTION_MAX_LENGTH) {
    invalid(scope, 'collection', `${collection.length} characters long`, COLLECTION_EXPECTED);
  }
  if (!COLLECTION_PATTERN.test(collection)) {
    invalid(scope, 'collection', `${received} (a character outside the safe set, or an empty segment)`, COLLECTION_EXPECTED);
  }
}

/**
 * Checks an IANA time zone name as EventBridge Scheduler takes it (`ScheduleExpressionTimezone`):
 * a name the runtime's time zone database knows (`Intl`, the same IANA database), spelled as
 * it spells it (`Europe/Berlin`, not `europe/berlin`); aliases such as `Etc/UTC` are accepted.
 * `TimeZone.of('Mars/Olympus')` synthesizes, and only the deploy would fail.
 */
export function checkTimeZoneName(scope: IConstruct, prop: string, name: string): void {
  if (Token.isUnresolved(name)) return;
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  const caseVariant = resolved !== undefined && resolved !== name && resolved.toLowerCase() === name.toLowerCase();
  if (resolved === undefined || /^[+-]/.test(name) || caseVariant) {
    invalid(
      scope,
      prop,
      `the time zone '${name}'`,
      `an IANA time zone name such as 'Europe/Berlin' or 'America/New_York' (TimeZone.EUROPE_BERLIN, ...)${caseVariant ? `: did you mean '${resolved}'?` : ''}`,
    );
  }
}

/**
 * Checks a schedule expression that can be read at synth (not a token): a `cron(...)` must have
 * six valid fields, exactly one day field `?`, and fire at least once from now; a `rate(...)`
 * a positive whole value with the unit's singular for 1 and plural otherwise; its time zone
 * must be an IANA name. `at(...)` and other forms are left to the service.
 */
export function checkScheduleExpression(scope: IConstruct, prop: string, expression: scheduler.ScheduleExpression, now: Date = new Date()): void {
  const text = expression.expressionString;
  if (expression.timeZone !== undefined) checkTimeZoneName(scope, `${prop}'s timeZone`, expression.timeZone.timezoneName);
  if (Token.isUnresolved(text)) return;
  if (text.startsWith('rate(')) {
    const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(text);
    if (rate === null || Number(rate[1]) < 1 || (Number(rate[1]) === 1) === (rate[3] === 's')) {
      invalid(scope, prop, `'${text}'`, "rate(<n> <unit>) with n of at least 1, 'minute', 'hour' or 'day' for 1 and 'minutes', 'hours' or 'days' otherwise");
    }
    return;
  }
  if (!text.startsWith('cron(')) return;
  const fields = parseCron(text);
  if (fields instanceof CronProblem) {
    invalid(scope, prop, `'${text}' (${fields.description})`, 'a cron(minutes hours day-of-month month day-of-week year) expression as EventBridge Scheduler reads it');
  }
  if (!firesAfter(fields, now)) {
    invalid(scope, prop, `'${text}', which never fires from ${now.toISOString().slice(0, 10)} on`, 'a schedule that fires: a day that exists in the months and years given');
  }
}

/** A CloudWatch namespace: 1-255 of its characters, and not `AWS/...`, which CloudWatch reserves for AWS services. */
export function checkMetricsNamespace(scope: IConstruct, namespace: string): void {
  if (Token.isUnresolved(namespace)) return;
  if (!/^[A-Za-z0-9._\-/#:]{1,255}$/.test(namespace) || namespace.startsWith('AWS/')) {
    invalid(scope, 'metricsNamespace', JSON.stringify(namespace), "a CloudWatch namespace: 1-255 letters, digits and . _ - / # :, not starting with 'AWS/' (reserved for AWS services)");
  }
}
