import { CockroachVersion, SUPPORTED_VERSIONS } from '../../support/cockroach-double';

export { SUPPORTED_VERSIONS };

/**
 * The releases every lifecycle test of the Lambda runs on (issue 10's "done when"):
 * the oldest supported, the first with shortened SHOW JOBS descriptions, the first with
 * allow_unsafe_internals, the first where it is off by default, and the newest.
 */
export const LIFECYCLE_VERSIONS: readonly CockroachVersion[] = ['23.1', '24.1', '25.4', '26.1', '26.3'];
