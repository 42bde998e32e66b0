import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { main } from '../../../lambda/backup/tools/cli';
import { BUCKET, COLLECTION, Harness } from '../helpers/harness';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

const guard = installSecretGuard();

let harness: Harness;
let directory: string;
let caPath: string;

beforeEach(async () => {
  harness = await Harness.start();
  // The runner is given the S3 server's endpoint (--endpoint, as for MinIO or another
  // S3-compatible store): CockroachDB counts a URI with AWS_ENDPOINT as implicit access.
  harness.double.grant('backup', 'EXTERNALIOIMPLICITACCESS');
  directory = mkdtempSync(join(tmpdir(), 'backup-cli-'));
  caPath = join(directory, 'ca.pem');
  writeFileSync(caPath, harness.double.caCertificate);
});

afterEach(async () => {
  rmSync(directory, { recursive: true, force: true });
  await harness.stop();
});

const env = { PGPASSWORD: TEST_PASSWORD, AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY };

function argv(kind: string): string[] {
  return [...connection(), '--kind', kind];
}

function connection(): string[] {
  return [
    '--url', `postgresql://backup@127.0.0.1:${harness.double.port}/defaultdb?sslrootcert=${encodeURIComponent(caPath)}`,
    '--bucket', BUCKET, '--collection', COLLECTION, '--region', 'eu-west-1', '--endpoint', harness.s3.endpoint,
  ];
}

function summary(): Record<string, unknown> {
  return JSON.parse(guard.lines.filter((l) => l.includes('"summary":"backup run"')).pop()!);
}

describe('local runner against a cluster', () => {
  test('runs the same procedure as the Lambda: a full backup first, then an incremental', async () => {
    expect(await main(argv('incremental'), env)).toBe(0);
    expect(summary()).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded' });
    expect(await main(argv('incremental'), env)).toBe(0);
    expect(summary()).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', chainLength: 1 });
  });

  test('says to grant EXTERNALIOIMPLICITACCESS, not BACKUP, when a URI with AWS_ENDPOINT is refused', async () => {
    harness.double.revoke('backup', 'EXTERNALIOIMPLICITACCESS');
    expect(await main(argv('full'), env)).toBe(1);
    expect(summary()).toMatchObject({ action: 'failed', message: expect.stringMatching(/; run GRANT SYSTEM EXTERNALIOIMPLICITACCESS TO backup$/) });
  });

  test('checks the files of the newest chain with --verify: 0 when they are all there, 1 when one is missing', async () => {
    expect(await main(argv('full'), env)).toBe(0);
    expect(await main([...connection(), '--verify'], env)).toBe(0);
    expect(summary()).toMatchObject({ action: 'passed', kind: 'check-files' });
    const deleted = await harness.damage('delete');
    expect(await main([...connection(), '--verify'], env)).toBe(1);
    expect(summary()).toMatchObject({ action: 'failed', message: expect.stringContaining(deleted.file) });
  });

  test('runs a drill with --drill, its state in memory, and says so', async () => {
    harness.double.grant('backup', 'RESTORE');
    expect(await main(argv('full'), env)).toBe(0);
    expect(await main([...connection(), '--drill', '--budget-seconds', '30'], env)).toBe(0);
    expect(guard.lines.some((l) => l.includes('drill state kept in memory'))).toBe(true);
    expect(summary()).toMatchObject({ action: 'passed', kind: 'restore-drill' });
  });

  test('exits 1 with the reason when the run fails', async () => {
    harness.double.revoke('backup', 'BACKUP');
    expect(await main(argv('full'), env)).toBe(1);
    expect(summary()).toMatchObject({ action: 'failed', message: expect.stringContaining('GRANT SYSTEM BACKUP TO backup') });
  });
});
