import { Budget } from '../connect/budget';
import { BackupSettings } from '../connect/config';
import { checkFiles, CheckedChain, FileCheck } from './file-check';
import { log } from '../report/log';
import { Session } from '../connect/session';

/** Below this, a check has no real chance to finish: it is reported not checked without being sent. */
const MIN_CHECK_MS = 1000;

/**
 * How long a check may run: its configured timeout (or, when that is 0, the session's
 * statement timeout), never more than `share` of what the run's budget has left.
 * Undefined when that leaves too little.
 */
export function fileCheckTimeoutMs(configuredSeconds: number, statementTimeoutMs: number, budget: Budget, share: number): number | undefined {
  const wanted = configuredSeconds > 0 ? configuredSeconds * 1000 : statementTimeoutMs;
  const allowed = Math.floor(budget.remaining() * share);
  const timeout = Math.min(wanted, allowed);
  return timeout < MIN_CHECK_MS ? undefined : timeout;
}

/** A check that was not sent because the budget had no room for it. */
export function noTimeForCheck(chain: CheckedChain): FileCheck {
  return { chain, outcome: 'not-checked', missingFiles: [], message: `not checked: the run's time budget left no room for the file check of the ${chain} chain` };
}

/**
 * The file checks a full-backup run makes (FILE_CHECK_TIMEOUT_SECONDS > 0; '0' turns them
 * off): the chain the full backup closes, before it is submitted (afterwards LATEST points
 * at the new chain), and the new chain once the full backup succeeded. A check never
 * blocks or fails the backup: it gets at most half of the budget left before the backup
 * (the backup needs the rest to be submitted and verified), and any failure of it is an
 * outcome, not an error. The outcomes go to FilesChecked, FilesMissing, FilesNotChecked.
 */
export class FullBackupChecks {
  readonly done: FileCheck[] = [];

  constructor(
    private readonly settings: BackupSettings,
    private readonly budget: Budget,
  ) {}

  private get enabled(): boolean {
    return this.settings.fileCheckTimeoutSeconds > 0;
  }

  /** Before a full backup, when storage holds a chain: check the chain it closes (once per run). */
  async beforeFull(session: Session, target: string, chainExists: boolean): Promise<void> {
    if (!this.enabled || !chainExists || this.done.some((c) => c.chain === 'closed')) return;
    await this.check(session, target, 'closed', 0.5);
  }

  /** After the full backup succeeded: check the new chain. */
  async afterFull(session: Session, target: string): Promise<void> {
    if (!this.enabled) return;
    await this.check(session, target, 'new', 1);
  }

  private async check(session: Session, target: string, chain: CheckedChain, share: number): Promise<void> {
    const timeoutMs = fileCheckTimeoutMs(this.settings.fileCheckTimeoutSeconds, this.settings.statementTimeoutMs, this.budget, share);
    const result = timeoutMs === undefined ? noTimeForCheck(chain) : await checkFiles(session, target, chain, timeoutMs);
    this.done.push(result);
    // ERROR for missing files, so that the log agrees with the FilesMissing alarm even though the backup run succeeds.
    log(result.outcome === 'passed' ? 'INFO' : result.outcome === 'missing' ? 'ERROR' : 'WARN', result.message);
  }
}
