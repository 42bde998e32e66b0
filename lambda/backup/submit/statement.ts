import { BackupKind } from '../../../contract/backup-event';

/** A SQL string literal: single quotes doubled. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export interface BackupStatementOptions {
  readonly kind: BackupKind;
  /** The collection URI or `external://<name>`. */
  readonly target: string;
  readonly asOfSystemTimeSeconds: number;
  readonly revisionHistory: boolean;
}

/**
 * The runbook's statement, for a whole-cluster backup:
 *   full:        BACKUP INTO '<target>' AS OF SYSTEM TIME '-<n>s' WITH DETACHED[, revision_history]
 *   incremental: BACKUP INTO LATEST IN '<target>' AS OF SYSTEM TIME '-<n>s' WITH DETACHED[, revision_history]
 * Grammar (pkg/sql/parser/sql.y, backup_stmt): `INTO LATEST IN` is the keyword form
 * the documentation uses. DETACHED makes it return one row, the job id, at once
 * (pkg/jobs/resultcols.go), so the outcome is read from the job, never the statement.
 */
export function buildBackupStatement(options: BackupStatementOptions): string {
  const into = options.kind === 'incremental' ? `INTO LATEST IN ${sqlString(options.target)}` : `INTO ${sqlString(options.target)}`;
  const withOptions = options.revisionHistory ? 'DETACHED, revision_history' : 'DETACHED';
  return `BACKUP ${into} AS OF SYSTEM TIME '-${options.asOfSystemTimeSeconds}s' WITH ${withOptions}`;
}
