/** An error the double reports to the client as an ErrorResponse with this SQLSTATE. */
export class SqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly detail?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}

/**
 * CockroachDB's parser error: `at or near "<token>": syntax error` (SQLSTATE 42601,
 * pkg/sql/parser/lexer.go, populateErrorDetails), with "EOF" at the end of input.
 */
export function syntaxError(near: string | undefined): SqlError {
  return new SqlError('42601', `at or near "${near === undefined ? 'EOF' : near.toLowerCase()}": syntax error`);
}

/** SQLSTATE codes used by the double (pkg/sql/pgwire/pgcode/codes.go). */
export const SqlState = {
  insufficientPrivilege: '42501',
  duplicateObject: '42710',
  undefinedObject: '42704',
  invalidPassword: '28P01',
  invalidAuthorization: '28000',
  invalidParameterValue: '22023',
  activeSqlTransaction: '25001',
  inFailedSqlTransaction: '25P02',
  featureNotSupported: '0A000',
  protocolViolation: '08P01',
  undefinedColumn: '42703',
  undefinedFile: '58P01',
  internalError: 'XX000',
  /** Errors CockroachDB raises without a code (fmt.Errorf, errors.New). */
  uncategorized: 'XXUUU',
  queryCanceled: '57014',
  duplicateDatabase: '42P04',
  invalidCatalogName: '3D000',
  dependentObjectsStillExist: '2BP01',
} as const;

/** pkg/sql/conn_executor_exec.go: sqlerrors.QueryTimeoutError. */
export function queryCanceled(): SqlError {
  return new SqlError(SqlState.queryCanceled, 'query execution canceled due to statement timeout');
}

/**
 * An error CockroachDB raises while planning a bulk statement (pkg/backup/restore_planning.go
 * and others): errors.New/Errorf, so without SQLSTATE (XXUUU).
 */
export function planningError(message: string): SqlError {
  return new SqlError(SqlState.uncategorized, message);
}
