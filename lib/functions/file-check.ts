import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { describeDuration, invalid } from '../validation';

/**
 * The time budget of one file check (`SHOW BACKUP ... WITH check_files`) when the Lambda
 * timeout leaves room for it: a check lists every file of every layer of a chain in S3, and
 * a full-backup run makes two (the chain it closes, the new one).
 */
export const DEFAULT_FILE_CHECK_TIMEOUT = Duration.minutes(2);

/**
 * FILE_CHECK_TIMEOUT_SECONDS: the given budget, or the default capped at half the Lambda
 * timeout, so that a default check never takes the whole run. Zero turns the checks of
 * full-backup runs off. A budget must be whole seconds and shorter than the Lambda timeout:
 * a check still running when the Lambda ends would be reported by nobody. Tokens are skipped.
 */
export function resolveFileCheckTimeout(scope: IConstruct, given: Duration | undefined, lambdaTimeout: Duration): Duration {
  if (given === undefined) {
    if (lambdaTimeout.isUnresolved()) return DEFAULT_FILE_CHECK_TIMEOUT;
    const half = Math.floor(lambdaTimeout.toSeconds() / 2);
    return Duration.seconds(Math.min(DEFAULT_FILE_CHECK_TIMEOUT.toSeconds(), half));
  }
  if (given.isUnresolved()) return given;
  const seconds = given.toSeconds({ integral: false });
  const expected = `0 (no checks in full-backup runs) or a whole number of seconds shorter than the Lambda timeout (${lambdaTimeout.toHumanString()})`;
  if (seconds < 0 || !Number.isInteger(seconds)) invalid(scope, 'fileCheckTimeout', describeDuration(given), expected);
  if (!lambdaTimeout.isUnresolved() && seconds >= lambdaTimeout.toSeconds({ integral: false })) {
    invalid(scope, 'fileCheckTimeout', describeDuration(given), expected);
  }
  return given;
}
