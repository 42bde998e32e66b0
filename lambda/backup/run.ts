import { BACKUP_KINDS, BackupKind, RunKind } from '../../contract/backup-event';
import { runFollowCheck } from './follow/follow';
import { FollowStore } from './follow/follow-store';
import { ENV } from '../../contract/environment';
import { Budget } from './connect/budget';
import { runFileCheck } from './verify/check-files-run';
import { BackupSettings } from './connect/config';
import { followDrills, runRestoreDrill } from './drill/drill';
import { DrillStateStore, MemoryDrillStateStore } from './drill/drill-state-store';
import { runBackup } from './procedure';
import { BackupResult } from './report/result';
import { SecretSource } from './connect/secrets';
import { RetentionPromiseSource } from './retention/promise';

export interface RunInput {
  readonly settings: BackupSettings;
  /** The kind the schedule (or the local runner) asked for. */
  readonly requested: RunKind;
  readonly secrets: SecretSource;
  readonly budget: Budget;
  /** The clock every time the run reads or compares comes from (the wall clock in the Lambda; tests run one ahead). */
  readonly now: () => Date;
  /**
   * Where the drills' state lives (DRILL_STATE_PARAMETER): every run follows pending drills
   * when set. Undefined: drills are off, and a `restore-drill` run keeps its state in memory.
   */
  readonly drillState?: DrillStateStore;
  /** Where the follow checks keep what they saw (FOLLOW_STATE_PARAMETER); undefined: no following (the local runner). */
  readonly followStore?: FollowStore;
  /** When the retention promise began (RETENTION_PARAMETER), for the window's metrics. */
  readonly retentionPromise?: RetentionPromiseSource;
}

export function isBackupKind(kind: RunKind): kind is BackupKind {
  return (BACKUP_KINDS as readonly string[]).includes(kind);
}

/**
 * One run of any kind: `full`/`incremental` run the backup procedure (procedure.ts, file
 * checks around full backups included), `check-files` the file
 * check of the newest chain, `restore-drill` a drill, `follow` the follow check
 * (follow/follow.ts: it does nothing else, so that a look stays cheap). With drills on, backup and check runs then follow the pending drills (drill.ts).
 * One result type for all, published once by the caller.
 */
export async function runRequested(input: RunInput): Promise<BackupResult> {
  const { requested } = input;
  if (requested === 'follow') {
    if (input.followStore !== undefined) return runFollowCheck(input, input.followStore, input.now, input.settings.hangAfterSeconds * 1000);
    return { action: 'failed', kind: 'follow', reportedJobs: [], submittedJobIds: [], stats: { sqlRoundTrips: 0, secretFetches: 0 }, message: `${ENV.followStateParameter} is not set: a follow check has no followed jobs to look at` };
  }
  if (requested === 'restore-drill') return runRestoreDrill(input, input.drillState ?? new MemoryDrillStateStore(input.now()), input.now);
  const result = isBackupKind(requested) ? await runBackup({ ...input, requested }) : await runFileCheck(input);
  if (input.drillState === undefined) return result;
  const { summary, stats } = await followDrills(input, input.drillState, input.now);
  return {
    ...result,
    drills: summary,
    stats: { sqlRoundTrips: result.stats.sqlRoundTrips + stats.sqlRoundTrips, secretFetches: result.stats.secretFetches + stats.secretFetches },
  };
}
