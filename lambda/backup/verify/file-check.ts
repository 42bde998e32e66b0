import { BackupFailure } from '../connect/errors';
import { redact, redactedMessage } from '../report/redact';
import { Session } from '../connect/session';
import { sqlString } from '../submit/statement';

/**
 * Which chain a check looked at:
 * - `closed`: in a full run, before the full backup: the chain it closes (afterwards LATEST
 *   points at the new chain, and the closed one would never be checked again);
 * - `new`: in a full run, the chain the new full backup starts, after it succeeded;
 * - `newest`: in a `check-files` run, the chain LATEST points at.
 */
export type CheckedChain = 'closed' | 'new' | 'newest';

/**
 * - `passed`: every data file of every layer exists with its size;
 * - `missing`: CockroachDB listed files missing or of the wrong size;
 * - `not-checked`: the check ran out of time (57014) or could not run. Never passed.
 */
export type FileCheckOutcome = 'passed' | 'missing' | 'not-checked';

export interface FileCheck {
  readonly chain: CheckedChain;
  readonly outcome: FileCheckOutcome;
  /** The paths CockroachDB listed (at most ten per check, docs "Backup Validation"), redacted. */
  readonly missingFiles: readonly string[];
  readonly message: string;
}

/** The part of a session a check needs (a test may pass its own). */
export type FileCheckSession = Pick<Session, 'queryWithTimeout'>;

/**
 * `SHOW BACKUP FROM LATEST IN '<target>' WITH check_files`: every data file of every layer
 * of the newest chain must exist in storage with its size (a HEAD/size read per file, not
 * its contents). docs (cockroachdb/docs, "Backup Validation" and SHOW BACKUP's options),
 * v23.1 onwards.
 */
export function buildCheckFilesStatement(target: string): string {
  return `SHOW BACKUP FROM LATEST IN ${sqlString(target)} WITH check_files`;
}

/**
 * checkBackupFiles (pkg/backup/show.go) stops at maxMissingFiles (10) files, sorts them and
 * says "%s\n\t%s" with one of these prefixes, the second when it stopped at the limit.
 */
const MISSING_PHRASES = ['The following files are missing from the backup:', 'Multiple files cannot be read from the backup including:'] as const;
/** The most files CockroachDB lists: with this many, more may be missing. */
export const MAX_LISTED_FILES = 10;
const NO_LATEST_PHRASE = 'path does not contain a completed latest backup';

/**
 * The files of CockroachDB's refusal: one of MISSING_PHRASES followed by one tab-indented path
 * per line, e.g. `s3:/bucket/prod/2026/11/30-120000.00/data/1.sst`; undefined when the message
 * is not that one. Paths are redacted: they could carry a URI's query.
 */
export function parseMissingFiles(message: string): string[] | undefined {
  for (const phrase of MISSING_PHRASES) {
    const at = message.indexOf(phrase);
    if (at < 0) continue;
    return message
      .slice(at + phrase.length)
      .split(/\s+/)
      .filter((path) => path !== '')
      .map(redact);
  }
  return undefined;
}

const CHAIN_NAMES: Record<CheckedChain, string> = {
  closed: 'the chain the new full backup closes',
  new: "the new full backup's chain",
  newest: 'the newest chain',
};

/**
 * Runs one file check under a statement timeout of its own. It never throws: a refusal,
 * a timeout or a lost connection is `not-checked`, with the cause.
 */
export async function checkFiles(session: FileCheckSession, target: string, chain: CheckedChain, timeoutMs: number): Promise<FileCheck> {
  const what = `the file check of ${CHAIN_NAMES[chain]} (SHOW BACKUP ... WITH check_files)`;
  const seconds = Math.round(timeoutMs / 100) / 10;
  try {
    await session.queryWithTimeout(what, buildCheckFilesStatement(target), timeoutMs);
    return { chain, outcome: 'passed', missingFiles: [], message: `${what} passed: every data file of every layer is in storage with its size` };
  } catch (error) {
    const message = redactedMessage(error);
    const missing = parseMissingFiles(message);
    if (missing !== undefined) {
      const count = missing.length >= MAX_LISTED_FILES ? `at least ${missing.length} files` : `${missing.length} file${missing.length === 1 ? '' : 's'}`;
      return { chain, outcome: 'missing', missingFiles: missing, message: `${what} failed: ${count} missing or of the wrong size in storage: ${missing.join(', ')}` };
    }
    const code = error instanceof BackupFailure ? error.code : undefined;
    if (code === '57014' || code === 'TIMEOUT') {
      return { chain, outcome: 'not-checked', missingFiles: [], message: `not checked: ${what} did not finish within ${seconds} s (FILE_CHECK_TIMEOUT_SECONDS)` };
    }
    if (message.includes(NO_LATEST_PHRASE)) {
      return { chain, outcome: 'not-checked', missingFiles: [], message: `not checked: the collection holds no completed full backup to check` };
    }
    return { chain, outcome: 'not-checked', missingFiles: [], message: `not checked: ${message}` };
  }
}
