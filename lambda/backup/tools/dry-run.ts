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
      const restore = buildRestoreStatement({ database: '<database>', source: target, asOf: now, newDatabaseName: restoredName, mode: 'verify-data', detached: true });
      const pointInTime = settings.revisionHistory ? "the midpoint of the newest chain's full backup end and newest layer end" : "the newest chain's middle layer end";
      return [
        `-- for each database of the newest chain (SHOW BACKUP FROM LATEST IN ...), as of ${pointInTime} (shown as now)`,
        restore,
        '-- then SHOW JOB WHEN COMPLETE <job id> within the budget, and',
        buildDropStatement(restoredName),
      ];
    }
    default: {
      const backup = buildBackupStatement({ kind, target, asOfSystemTimeSeconds: settings.asOfSystemTimeSeconds, revisionHistory: settings.revisionHistory });
      if (kind !== 'full' || settings.fileCheckTimeoutSeconds === 0) return [backup];
      return [`-- the chain the full backup closes, under statement_timeout ${timeout}`, check, backup, '-- the new chain, once the full backup succeeded', check];
    }
  }
}
