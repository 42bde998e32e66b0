import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

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
