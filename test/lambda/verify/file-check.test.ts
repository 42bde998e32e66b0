import { checkFiles, FileCheckSession, parseMissingFiles } from '../../../lambda/backup/verify/file-check';
import { fileCheckTimeoutMs } from '../../../lambda/backup/verify/full-backup-checks';
import { Budget } from '../../../lambda/backup/connect/budget';
import { BackupFailure } from '../../../lambda/backup/connect/errors';
import { installSecretGuard, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

installSecretGuard();

const FILES = ['s3:/backup-bucket/prod/2026/11/30-120000.00/data/1.sst', 's3:/backup-bucket/prod/2026/11/30-120000.00/data/2.sst'];

/** A session whose one statement fails with `error`, or succeeds when undefined. */
function session(error?: Error): FileCheckSession & { timeouts: number[] } {
  const timeouts: number[] = [];
  return {
    timeouts,
    queryWithTimeout: async <Row extends object>(_what: string, _text: string, timeoutMs: number): Promise<Row[]> => {
      timeouts.push(timeoutMs);
      if (error !== undefined) throw error;
      return [];
    },
  };
}

describe('parseMissingFiles', () => {
  test("reads the paths of CockroachDB's message, one per tab-indented line", () => {
    expect(parseMissingFiles(`the file check failed: XXUUU: The following files are missing from the backup:\n\t${FILES.join('\n\t')}`)).toEqual(FILES);
  });

  test('reads the paths of the message CockroachDB gives when it stopped at ten', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `s3:/b/p/data/${i}.sst`);
    expect(parseMissingFiles(`Multiple files cannot be read from the backup including:\n\t${ten.join('\n\t')}`)).toEqual(ten);
  });

  test('is undefined for any other message', () => {
    expect(parseMissingFiles('query execution canceled due to statement timeout')).toBeUndefined();
  });

  test('redacts a secret key a path might carry', () => {
    expect(parseMissingFiles(`The following files are missing from the backup:\n\ts3://b/p?AWS_SECRET_ACCESS_KEY=${encodeURIComponent(TEST_SECRET_ACCESS_KEY)}`)).toEqual([
      's3://b/p?AWS_SECRET_ACCESS_KEY=redacted',
    ]);
  });
});

describe('checkFiles', () => {
  test('passes when the statement returns', async () => {
    expect(await checkFiles(session(), 'external://backups', 'newest', 5000)).toMatchObject({ outcome: 'passed', missingFiles: [] });
  });

  test('says "at least ten" when CockroachDB stopped listing', async () => {
    const ten = Array.from({ length: 10 }, (_, i) => `s3:/b/p/data/${i}.sst`);
    const check = await checkFiles(session(new BackupFailure(`x failed: Multiple files cannot be read from the backup including:\n\t${ten.join('\n\t')}`, 'XXUUU')), 't', 'new', 5000);
    expect(check).toMatchObject({ outcome: 'missing', missingFiles: ten });
    expect(check.message).toContain('at least 10 files missing from storage');
  });

  test.each(['57014', 'TIMEOUT'])('is not checked when the statement timed out (%s)', async (code) => {
    const check = await checkFiles(session(new BackupFailure('x did not complete', code)), 't', 'closed', 2500);
    expect(check).toEqual({
      chain: 'closed',
      outcome: 'not-checked',
      missingFiles: [],
      message: 'not checked: the file check of the chain the new full backup closes (SHOW BACKUP ... WITH check_files) did not finish within 2.5 s (FILE_CHECK_TIMEOUT_SECONDS)',
    });
  });

  test('is not checked, with the cause, when the statement could not run', async () => {
    const check = await checkFiles(session(new BackupFailure('the file check failed: the connection to the cluster was lost', 'ECONNRESET')), 't', 'newest', 5000);
    expect(check).toMatchObject({ outcome: 'not-checked', message: 'not checked: the file check failed: the connection to the cluster was lost' });
  });
});

describe('fileCheckTimeoutMs', () => {
  const budget = (ms: number): Budget => Budget.fromNow(ms, () => 0);

  test('takes the configured timeout when the budget has room', () => {
    expect(fileCheckTimeoutMs(60, 30_000, budget(600_000), 0.5)).toBe(60_000);
  });

  test('never goes beyond its share of the budget', () => {
    expect(fileCheckTimeoutMs(600, 30_000, budget(100_000), 0.5)).toBe(50_000);
  });

  test('falls back to the statement timeout when the configured one is 0 (a check-files run)', () => {
    expect(fileCheckTimeoutMs(0, 30_000, budget(600_000), 1)).toBe(30_000);
  });

  test('is undefined when less than a second would be left', () => {
    expect(fileCheckTimeoutMs(60, 30_000, budget(1500), 0.5)).toBeUndefined();
  });
});
