import { ENV } from '../../../contract/environment';
import { METRICS } from '../../../contract/metrics';
import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { CockroachVersion } from '../../support/cockroach-double';

const guard = installSecretGuard();

let harness: Harness;

function withHarness(version: CockroachVersion, environment: Record<string, string>): void {
  beforeEach(async () => {
    harness = await Harness.start({ version, environment });
  });
  afterEach(async () => {
    await harness.stop();
  });
}

/** The last embedded-metric document and summary line the handler wrote. */
function published(): { metrics: Record<string, unknown>; summary: Record<string, unknown> } {
  const lines = guard.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const metrics = lines.filter((l) => l._aws !== undefined).pop();
  const summary = lines.filter((l) => l.summary === 'backup run').pop();
  expect(metrics).toBeDefined();
  expect(summary).toBeDefined();
  return { metrics: metrics!, summary: summary! };
}

/** The statements of the run, by their first words. */
function statementKinds(): string[] {
  return harness.double.statements
    .map((s) => s.text)
    .filter((t) => /^(BACKUP|SHOW BACKUP|SELECT .* FROM \[SHOW BACKUP)/.test(t))
    .map((t) => (t.includes('WITH check_files') ? 'check_files' : t.startsWith('BACKUP') ? 'BACKUP' : 'SHOW BACKUP'));
}

describe.each(['23.1', '26.3'] as const)('file checks on CockroachDB %s', (version) => {
  withHarness(version, { [ENV.fileCheckTimeoutSeconds]: '5' });

  test('a check-files run passes on a complete chain: FilesChecked 1, FilesMissing 0', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    const result = await harness.lambda.run('check-files');
    expect(result).toMatchObject({ action: 'passed', kind: 'check-files', fileChecks: [{ chain: 'newest', outcome: 'passed', missingFiles: [] }] });
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.filesChecked.name]: 1, [METRICS.filesMissing.name]: 0, [METRICS.filesNotChecked.name]: 0, RunKind: 'check-files' });
    expect(metrics).not.toHaveProperty(METRICS.failed.name);
    expect(summary).toMatchObject({ level: 'INFO', kind: 'check-files' });
  });

  test('a deleted SST fails the check with its name in the message and FilesMissing > 0 in the metrics', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    const deleted = await harness.damage('delete', { layer: 'newest' });
    const { error } = await harness.lambda.invoke('check-files');
    expect(error?.message).toBe(
      `the file check of the newest chain (SHOW BACKUP ... WITH check_files) failed: 1 file missing from storage: ${deleted.checkFilesPath}`,
    );
    const { metrics, summary } = published();
    expect(metrics[METRICS.filesMissing.name]).toBeGreaterThan(0);
    expect(metrics).toMatchObject({ [METRICS.filesChecked.name]: 1, [METRICS.filesNotChecked.name]: 0 });
    expect(summary).toMatchObject({ level: 'ERROR', action: 'failed', fileChecks: [{ outcome: 'missing', missingFiles: [deleted.checkFilesPath] }] });
  });

  test('a check that runs out of time is not checked (FilesNotChecked), never passed', async () => {
    await harness.lambda.run('full');
    harness.lambda.setEnvironment({ [ENV.fileCheckTimeoutSeconds]: '1' });
    harness.double.injectFault({ kind: 'slow', delayMs: 4000, on: /check_files/ });
    const { error } = await harness.lambda.invoke('check-files');
    expect(error?.message).toBe('not checked: the file check of the newest chain (SHOW BACKUP ... WITH check_files) did not finish within 1 s (FILE_CHECK_TIMEOUT_SECONDS)');
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.filesChecked.name]: 0, [METRICS.filesMissing.name]: 0, [METRICS.filesNotChecked.name]: 1 });
    expect(summary).toMatchObject({ level: 'ERROR', action: 'failed', fileChecks: [{ outcome: 'not-checked' }] });
  });

  test('a full run checks the chain it closes and the new chain, and a failed check does not stop the backup', async () => {
    await harness.lambda.run('full');
    const deleted = await harness.damage('delete', { layer: 'full' });
    const before = statementKinds().length;
    const result = await harness.lambda.run('full');
    expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded' });
    expect(result.fileChecks).toEqual([
      expect.objectContaining({ chain: 'closed', outcome: 'missing', missingFiles: [deleted.checkFilesPath] }),
      expect.objectContaining({ chain: 'new', outcome: 'passed' }),
    ]);
    expect(statementKinds().slice(before)).toEqual([
      'SHOW BACKUP',
      'check_files',
      'BACKUP',
      'check_files',
    ]);
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.filesChecked.name]: 2, [METRICS.filesMissing.name]: 1, [METRICS.failed.name]: 0 });
    // The backup succeeded, so the run does not throw; the summary is an ERROR so that it agrees with the FilesMissing alarm.
    expect(summary).toMatchObject({ level: 'ERROR', action: 'submitted' });
  });

  test("each check runs under its own statement_timeout, and the session's is restored after it", async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    await harness.lambda.run('check-files');
    const texts = harness.double.statements.map((s) => s.text);
    const check = texts.findIndex((t) => t.includes('WITH check_files'));
    // The harness's STATEMENT_TIMEOUT_MS is 2000; FILE_CHECK_TIMEOUT_SECONDS 5.
    expect(texts.slice(check - 1, check + 2)).toEqual([`SET statement_timeout = '5000ms'`, expect.stringContaining('WITH check_files'), `SET statement_timeout = '2000ms'`]);
  });

  test('a check-files run of an empty collection is not checked, never passed', async () => {
    const { error } = await harness.lambda.invoke('check-files');
    expect(error?.message).toBe('not checked: the collection holds no completed full backup to check');
    expect(published().metrics).toMatchObject({ [METRICS.filesNotChecked.name]: 1 });
  });

  test('the first full backup of an empty collection checks only its new chain', async () => {
    const result = await harness.lambda.run('incremental');
    expect(result.kind).toBe('full');
    expect(result.fileChecks).toEqual([expect.objectContaining({ chain: 'new', outcome: 'passed' })]);
  });
});

describe('file checks turned off', () => {
  withHarness('26.3', { [ENV.fileCheckTimeoutSeconds]: '0' });

  test("'0' turns off the checks in full runs, while a check-files run still checks", async () => {
    await harness.lambda.run('full');
    const full = await harness.lambda.run('full');
    expect(full.fileChecks).toEqual([]);
    expect(harness.double.statements.some((s) => s.text.includes('check_files'))).toBe(false);
    expect(published().metrics).not.toHaveProperty(METRICS.filesChecked.name);
    const check = await harness.lambda.run('check-files');
    expect(check).toMatchObject({ action: 'passed', fileChecks: [{ outcome: 'passed' }] });
  });
});

describe('file checks and drills in external-connection mode', () => {
  withHarness('26.3', { [ENV.fileCheckTimeoutSeconds]: '5', STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' });

  test('check and restore through external://<name>, as BACKUP does', async () => {
    harness.double.grant('backup', 'EXTERNALCONNECTION');
    harness.double.grant('backup', 'RESTORE');
    await harness.lambda.run('full');
    expect(await harness.lambda.run('check-files')).toMatchObject({ action: 'passed' });
    expect(await harness.lambda.run('restore-drill')).toMatchObject({ action: 'passed' });
    const verifications = harness.double.statements.map((s) => s.text).filter((t) => /check_files|^RESTORE/.test(t));
    expect(verifications.length).toBeGreaterThanOrEqual(3);
    expect(verifications.every((t) => t.includes(" IN 'external://prod_backups'"))).toBe(true);
  });
});
