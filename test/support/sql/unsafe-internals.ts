import { Session } from '../session';
import { SqlError, SqlState } from './sql-error';

/**
 * The unsafe-internals gate (pkg/sql/unsafesql/unsafesql.go; docs v26.1 crdb-internal.md):
 * with the session variable `allow_unsafe_internals` off, a statement the user wrote that
 * reads crdb_internal.* or system.* fails. The variable exists from 25.4 (default on) and
 * defaults to off from 26.1 (VersionFacts.allowUnsafeInternalsDefault). SHOW statements
 * are delegates whose own queries bypass the gate, also when nested (`[SHOW JOBS]`), but a
 * SELECT the user writes inside `SHOW JOBS SELECT ...` is checked like any other.
 * The double has no allowlist: none of the tables it models (crdb_internal.jobs) is on it.
 */
export const ALLOW_UNSAFE_INTERNALS = 'allow_unsafe_internals';

const INTERNAL_SCHEMAS = ['crdb_internal.', 'system.'];

export function isInternalTable(name: string): boolean {
  return INTERNAL_SCHEMAS.some((schema) => name.startsWith(schema));
}

/** Throws CockroachDB's refusal when the gate is closed and `table` is internal. */
export function checkInternalsAccess(table: string, session: Session): void {
  if (!isInternalTable(table) || session.settings.get(ALLOW_UNSAFE_INTERNALS) !== 'off') return;
  throw new SqlError(
    SqlState.insufficientPrivilege,
    'Access to crdb_internal and system is restricted.',
    undefined,
    'These interfaces are unsupported in production. To proceed, set the session variable allow_unsafe_internals = true (not recommended), ' +
      'or contact Cockroach Labs for a supported alternative.',
  );
}
