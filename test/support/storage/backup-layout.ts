import { goTimeString } from '../time-format';

/**
 * Where a backup collection keeps its files (pkg/backup/backupbase/constants.go and
 * pkg/backup/backupdest): full backups in a date-named subdirectory
 * (DateBasedIntoFmt "/2006/01/02-150405.00"), incrementals under
 * `incrementals/<full subdir>` (DateBasedIncFolderName "/20060102/150405.00"), and the
 * newest-pointer files in `metadata/latest/LATEST-<descending timestamp>` so that a
 * plain listing returns the newest first.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function hundredths(time: Date): string {
  return pad(Math.floor(time.getUTCMilliseconds() / 10));
}

/** `/2024/01/02-030405.67` for a full backup ending at that time (UTC). */
export function fullSubdir(endTime: Date): string {
  return `/${time4(endTime)}/${pad(endTime.getUTCMonth() + 1)}/${pad(endTime.getUTCDate())}-${clock(endTime)}`;
}

/**
 * `incrementals/<full subdir>/20240102/030405.67` (relative to the collection); from 25.2 with
 * the layer's start appended, `.../030405.67-20240101-230405.12` (docs/cockroachdb-behaviour.md
 * section 3; the 25.2 release notes' incremental backup layout). LATEST and job descriptions
 * keep naming the full backup's subdirectory.
 */
export function incrementalDir(fullSubdirPath: string, endTime: Date, startTime?: Date): string {
  const suffix = startTime === undefined ? '' : `-${day(startTime)}-${clock(startTime)}`;
  return `incrementals${fullSubdirPath}/${day(endTime)}/${clock(endTime)}${suffix}`;
}

function day(time: Date): string {
  return `${time4(time)}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}`;
}

function time4(time: Date): string {
  return pad(time.getUTCFullYear(), 4);
}

function clock(time: Date): string {
  return `${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}${pad(time.getUTCSeconds())}.${hundredths(time)}`;
}

/** Whether a path is a full backup's subdirectory name (as SHOW BACKUPS lists them). */
export const FULL_SUBDIR = /^\/?\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}$/;

export const LATEST_DIRECTORY = 'metadata/latest';

/**
 * LATEST file name (pkg/backup/backupdest/backup_destination.go,
 * newTimestampedLatestFileName): "LATEST-" + hex of the current time's Go string
 * (`2006-01-02 15:04:05.999999999 -0700 MST`) encoded by encoding.EncodeStringDescending
 * (marker 0x13, every byte inverted, terminator 0xff 0xfe), so that newer files sort first.
 */
export function latestFileName(time: Date): string {
  const inverted = Buffer.from(goTimeString(time), 'ascii').map((byte) => ~byte & 0xff);
  return `LATEST-13${Buffer.from(inverted).toString('hex')}fffe`;
}

/**
 * The backup index (pkg/backup/backupdest/backup_index.go, getBackupIndexFilePath): one file per
 * backup under `metadata/index/<full subdir with '/' as '-', no leading slash>/`, named
 * `<descending end>_<start or 0>_<end>_metadata.pb`, so a listing finds a chain's backups without
 * reading manifests. The two readable times' layout and the descending encoding are
 * *unconfirmed*: the double writes `20060102-150405.00` and LATEST's inverted-hex encoding.
 */
export function backupIndexFile(fullSubdirPath: string, startTime: Date | undefined, endTime: Date): string {
  const flattened = fullSubdirPath.replace(/^\/+|\/+$/g, '').replace(/\//g, '-');
  const readable = (time: Date): string => `${day(time)}-${clock(time)}`;
  const descending = latestFileName(endTime).replace(/^LATEST-/, '');
  return `metadata/index/${flattened}/${descending}_${startTime === undefined ? '0' : readable(startTime)}_${readable(endTime)}_metadata.pb`;
}

export const MANIFEST = 'BACKUP_MANIFEST';
export const MANIFEST_CHECKSUM = 'BACKUP_MANIFEST-CHECKSUM';
export const STATISTICS = 'BACKUP-STATISTICS';
/** backupinfo.BackupManifestCheckpointName, written while a backup runs. */
export const CHECKPOINT = 'progress/BACKUP-CHECKPOINT';

/** The full backups among a collection's keys (relative, sorted), as `/yyyy/mm/dd-hhmmss.ff`: the directories with a manifest. */
export function fullBackupsIn(keys: readonly string[]): string[] {
  return keys
    .filter((k) => k.endsWith(`/${MANIFEST}`))
    .map((k) => `/${k.slice(0, -MANIFEST.length - 1)}`)
    .filter((dir) => FULL_SUBDIR.test(dir));
}

/** The layer directories with a manifest among the keys listed under a chain's `incrementals/<full subdir>`, oldest first. */
export function incrementalsIn(keys: readonly string[]): string[] {
  return keys.filter((k) => k.endsWith(`/${MANIFEST}`)).map((k) => k.slice(0, -MANIFEST.length - 1));
}

/** Joins a collection prefix and a relative path into an object key. */
export function objectKey(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter((p) => p.length > 0)
    .join('/');
}
