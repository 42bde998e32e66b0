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
 * - `passed`: every data file and metadata file of every layer exists in storage (existence
 *   only: CockroachDB compares no size and reads no content);
 * - `missing`: CockroachDB named files it could not find (data files, or a layer's metadata file);
 * - `not-checked`: the check ran out of time (57014) or could not run. Never passed.
 */
export type FileCheckOutcome = 'passed' | 'missing' | 'not-checked';

export interface FileCheck {
  readonly chain: CheckedChain;
  readonly outcome: FileCheckOutcome;
  /** The paths CockroachDB listed (at most ten per check, docs "Backup Validation"), without any URI query, redacted. */
  readonly missingFiles: readonly string[];
  readonly message: string;
}

/** The part of a session a check needs (a test may pass its own). */
export type FileCheckSession = Pick<Session, 'queryWithTimeout'>;

/**
 * `SHOW BACKUP FROM LATEST IN '<target>' WITH check_files`: every data file of every layer
 * of the newest chain, and each layer's BACKUP_MANIFEST-CHECKSUM and statistics files, must
 * exist in storage. It is an existence check: checkBackupFiles (pkg/backup/show.go) asks
 * storage for each file's size and counts only an error, never comparing the size with the
 * manifest or reading the contents, so a truncated or corrupted file passes (only a restore
 * drill, which reads the data, finds it). docs (cockroachdb/docs, "Backup Validation" and
 * SHOW BACKUP's options), v23.1 onwards.
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
 * Before a layer's data files, checkBackupFiles sizes its BACKUP_MANIFEST-CHECKSUM and
 * statistics files and fails at once with errors.Wrapf(err, "Error checking metadata file
 * %s/%s", <layer URI>, <file>): the layer URI with the statement's query, secret key included,
 * then the file name. A missing metadata file is a missing file like any other.
 */
const METADATA_FAILURE = /Error checking metadata file (\S+?): /;

/**
 * The metadata file of CockroachDB's refusal, as `<layer URI without its query>/<file>`
 * (the query, which carries the key, is dropped), redacted; undefined for another message.
 */
export function parseMissingMetadataFile(message: string): string | undefined {
  const match = METADATA_FAILURE.exec(message);
  if (match === null) return undefined;
  const uri = match[1];
  const query = uri.indexOf('?');
  if (query < 0) return redact(uri);
  return redact(`${uri.slice(0, query)}/${uri.slice(uri.lastIndexOf('/') + 1)}`);
}

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
    return { chain, outcome: 'passed', missingFiles: [], message: `${what} passed: every data and metadata file of every layer exists in storage (existence only: sizes and contents are not checked)` };
  } catch (error) {
    // The raw text, never logged: the metadata-file refusal carries the URI's query (and key), which parseMissingMetadataFile drops.
    const raw = error instanceof Error ? error.message : String(error);
    const metadataFile = parseMissingMetadataFile(raw);
    if (metadataFile !== undefined) {
      return { chain, outcome: 'missing', missingFiles: [metadataFile], message: `${what} failed: a metadata file is missing from storage (the check stops at the first one): ${metadataFile}` };
    }
    const message = redactedMessage(error);
    const missing = parseMissingFiles(message);
    if (missing !== undefined) {
      const count = missing.length >= MAX_LISTED_FILES ? `at least ${missing.length} files` : `${missing.length} file${missing.length === 1 ? '' : 's'}`;
      return { chain, outcome: 'missing', missingFiles: missing, message: `${what} failed: ${count} missing from storage: ${missing.join(', ')}` };
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
