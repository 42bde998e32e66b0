import { RunKind } from '../../../contract/backup-event';
import { BackupSettings } from '../connect/config';
import { buildDropStatement } from '../drill/drill-ledger';
import { DRILL_DATABASE_PREFIX, drillRunTag } from '../drill/drill-plan';
import { buildCheckFilesStatement } from '../verify/file-check';
import { buildRestoreStatement } from '../drill/restore-statement';
import { buildBackupStatement } from '../submit/statement';

/**
 * The statements a run of `kind` sends that change or verify something, for the local
 * runner's --dry-run (which connects to nothing: what depends on the cluster is a
 * placeholder, explained by a `--` comment). The caller replaces `target`, which holds the
 * key, by a placeholder before printing (pasteable.ts).
 */
export function dryRunStatements(kind: RunKind, settings: BackupSettings, target: string, now: Date = new Date()): string[] {
  const check = buildCheckFilesStatement(target);
  const timeout = settings.fileCheckTimeoutSeconds > 0 ? `${settings.fileCheckTimeoutSeconds} s` : `${settings.statementTimeoutMs} ms`;
  switch (kind) {
    case 'check-files':
      return [`-- under statement_timeout ${timeout}`, check];
    case 'restore-drill': {
      const restoredName = `${DRILL_DATABASE_PREFIX}<database>_${drillRunTag(now)}`;
      const asOf = settings.revisionHistory ? now : undefined;
      const restore = buildRestoreStatement({ database: '<database>', source: target, subdirectory: '<newest chain>', asOf, newDatabaseName: restoredName, mode: 'verify-data', detached: true });
      const pointInTime = settings.revisionHistory
        ? "as of the midpoint of the chain's full backup end and newest layer end (shown as now; a full backup alone: its end, without AS OF SYSTEM TIME)"
        : "at its newest layer's end (no AS OF SYSTEM TIME)";
      return [
        `-- for each database that exists there, the newest chain (SHOW BACKUPS IN ..., then SHOW BACKUP FROM '<newest chain>' IN ...) ${pointInTime}`,
        restore,
        '-- then SHOW JOB WHEN COMPLETE <job id> within the budget, and',
        buildDropStatement(restoredName),
      ];
    }
    case 'follow':
      return ['-- the followed jobs (FOLLOW_STATE_PARAMETER), by id, only when a job is followed:', 'SHOW JOBS VALUES (<job id>), ...'];
    default: {
      const backup = buildBackupStatement({ kind, target, asOfSystemTimeSeconds: settings.asOfSystemTimeSeconds, revisionHistory: settings.revisionHistory });
      if (kind !== 'full' || settings.fileCheckTimeoutSeconds === 0) return [backup];
      return [`-- the chain the full backup closes, under statement_timeout ${timeout}`, check, backup, '-- the new chain, once the full backup succeeded', check];
    }
  }
}
