import { checkFiles, FileCheck } from './file-check';
import { fileCheckTimeoutMs, noTimeForCheck } from './full-backup-checks';
import { BackupResult } from '../report/result';
import { SessionInput, withRunSession } from '../connect/run-session';
import { prepareTarget } from '../submit/target';

/**
 * A `check-files` run: `SHOW BACKUP FROM LATEST IN ... WITH check_files` on the newest chain,
 * under FILE_CHECK_TIMEOUT_SECONDS (or, when that is 0, the session's statement timeout),
 * never beyond the run's budget. It passes only when the check passed: missing files and a
 * check that could not finish (not checked) both fail the run, so that the Lambda's Errors
 * metric, the summary line at ERROR and the FilesMissing / FilesNotChecked alarms agree.
 */
export async function runFileCheck(input: SessionInput): Promise<BackupResult> {
  const { settings, budget } = input;
  const { value, error, stats } = await withRunSession(input, async (session, credentials): Promise<FileCheck> => {
    const target = await prepareTarget(session, settings, credentials.accessKey);
    const timeoutMs = fileCheckTimeoutMs(settings.fileCheckTimeoutSeconds, settings.statementTimeoutMs, budget, 1);
    return timeoutMs === undefined ? noTimeForCheck('newest') : checkFiles(session, target, 'newest', timeoutMs);
  });
  const check: FileCheck = value ?? { chain: 'newest', outcome: 'not-checked', missingFiles: [], message: `not checked: ${error ?? 'the run ended early'}` };
  return {
    action: check.outcome === 'passed' ? 'passed' : 'failed',
    kind: 'check-files',
    reportedJobs: [],
    message: check.message,
    submittedJobIds: [],
    fileChecks: [check],
    stats,
  };
}
