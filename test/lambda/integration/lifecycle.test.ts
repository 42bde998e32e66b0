import * as verify from '../../../lambda/backup/verify/verify';
import { asRoot, BUCKET, COLLECTION, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { LIFECYCLE_VERSIONS } from '../helpers/versions';
import { CockroachVersion } from '../../support/cockroach-double';

const guard = installSecretGuard();

let harness: Harness;

/** A cluster double of `version` (the double's default when undefined), S3 and the Lambda, for each test. */
function withHarness(version?: CockroachVersion): void {
  beforeEach(async () => {
    harness = await Harness.start({ version });
  });
  afterEach(async () => {
    await harness.stop();
  });
}

function record<T>(value: T): T {
  guard.inspect(value);
  return value;
}

/** The SQL the run sent, by statement: the first words, and SHOW JOB with its id replaced. */
function statementShapes(): string[] {
  return harness.double.statements.map((s) => s.text.replace(/^SHOW JOB (WHEN COMPLETE )?\d+$/, 'SHOW JOB $1<id>').replace(/ IN '[^']*'.*$/, " IN '...'"));
}

describe.each(LIFECYCLE_VERSIONS)('backup lifecycle on CockroachDB %s, as a user with only the BACKUP privilege', (version) => {
  withHarness(version);

  test('takes a full backup on the first run of an empty collection, even when an incremental is due', async () => {
    const result = record(await harness.lambda.run('incremental'));
    expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', chainLength: 0 });
    expect(result.message).toMatch(/^storage holds no completed full backup in s3:\/\/backup-bucket\/prod_1\/cluster: full backup job \d+ succeeded$/);
    expect(await harness.s3.listKeys(BUCKET, `${COLLECTION}/`)).not.toEqual([]);
  });

  test('takes incrementals on later runs, growing the chain', async () => {
    await harness.lambda.run('incremental');
    const second = record(await harness.lambda.run('incremental'));
    const third = record(await harness.lambda.run('incremental'));
    expect([second.kind, second.status, second.chainLength]).toEqual(['incremental', 'succeeded', 1]);
    expect([third.kind, third.status, third.chainLength]).toEqual(['incremental', 'succeeded', 2]);
  });

  test('continues the chain from a full backup an operator took as root, whose job it cannot see', async () => {
    await asRoot(harness.double, `BACKUP INTO '${collectionUri()}' AS OF SYSTEM TIME '-10s' WITH DETACHED`);
    await harness.double.whenJobsSettled();
    const result = record(await harness.lambda.run('incremental'));
    expect(result).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', chainLength: 1, reportedJobs: [expect.objectContaining({ jobId: result.jobId })] });
    // The age is storage's: the incremental's data, at most a few seconds plus AS OF SYSTEM TIME old.
    expect(result.newestBackupAgeSeconds).toBeGreaterThanOrEqual(10);
    expect(result.newestBackupAgeSeconds).toBeLessThan(60);
  });

  test('does not stack a backup on one still running, and says which', async () => {
    harness.double.scriptNextJob({ outcome: 'running' });
    const first = record(await harness.lambda.run('full', 5000));
    expect(first).toMatchObject({ action: 'submitted', status: 'running' });
    const second = record(await harness.lambda.run('incremental'));
    expect(second.action).toBe('skipped');
    expect(second.message).toContain(`backup job ${first.jobId} is still running`);
    expect(harness.double.jobs()).toHaveLength(1);
  });

  test.each([
    ['failed', 'failed', 'injected failure'],
    ['canceled', 'canceled', ''],
  ] as const)('reports a job that %s and fails the run', async (outcome, status, error) => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome, error: error === '' ? undefined : error });
    const { error: thrown } = await harness.lambda.invoke('incremental');
    record(thrown);
    expect(thrown?.message).toMatch(new RegExp(`incremental backup job \\d+ ended ${status}`));
    const summary = JSON.parse(guard.lines.filter((l) => l.includes('"summary":"backup run"')).pop()!);
    expect(summary).toMatchObject({ action: 'failed', status });
    expect(summary.reportedJobs).toEqual(expect.arrayContaining([expect.objectContaining({ status })]));
  });

  test('sends only supported statements: SHOW BACKUP, SHOW JOBS, BACKUP and SHOW JOB [WHEN COMPLETE]', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    record(await harness.lambda.run('incremental'));
    const shapes = statementShapes();
    expect(shapes.slice(0, 4)).toEqual([
      // The chain view pinned (refused with 42704 before 26.2, which the Lambda expects).
      'SET use_backups_with_ids = false',
      "SELECT object_name, end_time FROM [SHOW BACKUP FROM LATEST IN '...'",
      "SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'",
      "BACKUP INTO LATEST IN '...'",
    ]);
    expect(shapes.slice(4).every((shape) => ['SHOW JOB <id>', 'SHOW JOB WHEN COMPLETE <id>'].includes(shape))).toBe(true);
  });
});

describe('the cost of an ordinary run', () => {
  withHarness();

  test('needs few SQL round trips for an ordinary incremental run', async () => {
    await harness.lambda.run('full');
    harness.double.clearStatements();
    const result = record(await harness.lambda.run('incremental'));
    const trips = harness.double.statements.length;
    // The chain view (SET use_backups_with_ids), storage (SHOW BACKUP), the job table (SHOW
    // JOBS), BACKUP, and one SHOW JOB WHEN COMPLETE that the cluster answers when the job
    // ends, however long that takes: 5 (measured). The bound is the goal: at most 4 round
    // trips besides the BACKUP statement (the runbook's floor).
    process.stdout.write(`round trips of an ordinary incremental run: ${trips} (${statementShapes().join(', ')})\n`);
    expect(result.status).toBe('succeeded');
    expect(result.stats.sqlRoundTrips).toBe(trips);
    expect(trips).toBeLessThanOrEqual(5);
  });
});

describe('backup lifecycle through the handler, pg over TLS and the cluster double', () => {
  withHarness();

  test('starts a new chain with the scheduled full backup', async () => {
    await harness.lambda.run('incremental');
    await harness.lambda.run('incremental');
    const full = record(await harness.lambda.run('full'));
    const next = record(await harness.lambda.run('incremental'));
    expect([full.kind, full.chainLength]).toEqual(['full', 0]);
    expect([next.kind, next.chainLength]).toEqual(['incremental', 1]);
  });

  test('forces a full backup when the chain reached MAX_INCREMENTALS', async () => {
    harness.lambda.setEnvironment({ MAX_INCREMENTALS: '1' });
    await harness.lambda.run('incremental');
    await harness.lambda.run('incremental');
    const third = record(await harness.lambda.run('incremental'));
    expect(third).toMatchObject({ kind: 'full', chainLength: 0 });
    expect(third.message).toContain('MAX_INCREMENTALS=1');
  });

  test('keeps the job id exact above 2^53', async () => {
    const result = record(await harness.lambda.run('full'));
    const [job] = harness.double.jobs();
    expect(result.jobId).toBe(job.jobId);
    expect(BigInt(result.jobId!)).toBeGreaterThan(2n ** 53n);
  });

  test('reports on the next run a job that was still running at the end of the run', async () => {
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 5000 });
    const first = record(await harness.lambda.run('full', 4000));
    expect(first).toMatchObject({ action: 'submitted', status: 'running' });
    await harness.double.whenJobsSettled();
    const second = record(await harness.lambda.run('incremental'));
    expect(second.reportedJobs.find((j) => j.jobId === first.jobId)).toMatchObject({ status: 'succeeded', kind: 'full' });
    expect(second.kind).toBe('incremental');
  });

  test('counts on the next run a job a person canceled as failed', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'canceled' });
    record(await harness.lambda.invoke('incremental'));
    const next = record(await harness.lambda.run('incremental'));
    const canceled = next.reportedJobs.find((j) => j.status === 'canceled');
    expect(canceled).toBeDefined();
    const metrics = guard.lines.map((l) => JSON.parse(l)).filter((l) => l._aws !== undefined).pop();
    expect(metrics).toMatchObject({ BackupFailed: 1 });
  });

  test('reports a paused job loudly on every run without letting it block backups', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'paused' });
    const { error } = await harness.lambda.invoke('incremental');
    record(error);
    expect(error?.message).toMatch(/is paused: resume it \(RESUME JOB \d+\) or cancel it \(CANCEL JOB \d+\)/);
    const next = record(await harness.lambda.run('incremental'));
    expect(next.action).toBe('submitted');
    expect(next.reportedJobs).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'paused' })]));
  });

  test('publishes the run as embedded metrics with the Collection dimension', async () => {
    await harness.lambda.run('full');
    const metrics = guard.lines.map((l) => JSON.parse(l)).find((l) => l._aws !== undefined);
    expect(metrics).toMatchObject({ Collection: `${BUCKET}/${COLLECTION}`, BackupSubmitted: 1, BackupSucceeded: 1, BackupFailed: 0, ChainLength: 0 });
  });

  test('waits for its job on the server with SHOW JOB WHEN COMPLETE right after submitting', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 1000 });
    harness.double.clearStatements();
    const waits: number[] = [];
    // Records the waits of the run (the real sleep still runs): a schedule, not a time.
    const spy = jest.spyOn(verify, 'sleep').mockImplementation((ms) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    });
    try {
      // A statement timeout far above the job's second, so that a loaded machine cannot make the wait time out.
      harness.lambda.setEnvironment({ STATEMENT_TIMEOUT_MS: '10000' });
      expect(record(await harness.lambda.run('incremental', 30_000))).toMatchObject({ status: 'succeeded' });
    } finally {
      spy.mockRestore();
    }
    expect(waits).toEqual([]);
    expect(statementShapes().slice(4)).toEqual(['SHOW JOB WHEN COMPLETE <id>']);
  });

  test('polls from 50 ms doubling when the time left is shorter than the statement timeout', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 1000 });
    harness.double.clearStatements();
    const waits: number[] = [];
    const spy = jest.spyOn(verify, 'sleep').mockImplementation((ms) => {
      waits.push(ms);
      return new Promise((resolve) => setTimeout(resolve, ms));
    });
    try {
      // 7 s before the Lambda timeout leave a 4 s budget: less than the 3 s statement timeout, 1 s of margin and a read.
      harness.lambda.setEnvironment({ STATEMENT_TIMEOUT_MS: '3000' });
      record(await harness.lambda.run('incremental', 7000));
    } finally {
      spy.mockRestore();
    }
    expect(waits.slice(0, 3)).toEqual([50, 100, 200]);
    expect(waits.slice(1).every((ms, i) => ms === Math.min(5000, 2 * waits[i]))).toBe(true);
    expect(statementShapes().some((s) => s.includes('WHEN COMPLETE'))).toBe(false);
  });

  test('reads the connection secret once per warm Lambda and the access key on every run (to follow a rotation)', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    expect(harness.secretFetches()).toBe(3);
  });

  test('waits for a running incremental when a full backup is due, then takes the full backup', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 2500 });
    const incremental = record(await harness.lambda.run('incremental', 4000));
    expect(incremental).toMatchObject({ kind: 'incremental', status: 'running' });
    const full = record(await harness.lambda.run('full'));
    expect(full).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded' });
    expect(full.message).toContain(`incremental backup job ${incremental.jobId} is still running: waiting for it before the full backup`);
    expect(full.reportedJobs).toEqual(expect.arrayContaining([expect.objectContaining({ jobId: incremental.jobId, status: 'succeeded' })]));
  });

  test('takes a full backup in the same run when the incremental finds no completed full backup', async () => {
    await harness.lambda.run('full');
    harness.double.scriptNextJob({ outcome: 'failed', error: 'path does not contain a completed latest backup: s3 object does not exist' });
    const result = record(await harness.lambda.run('incremental'));
    expect(result).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', submittedJobIds: [expect.any(String), expect.any(String)] });
    expect(result.reportedJobs).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'incremental', status: 'failed' })]));
  });

  test('connects without verifying the certificate only when TLS_VERIFY=false, and warns', async () => {
    harness.double.injectFault({ kind: 'foreign-certificate' });
    harness.lambda.setEnvironment({ TLS_VERIFY: 'false' });
    const result = record(await harness.lambda.run('full'));
    expect(result.status).toBe('succeeded');
    expect(guard.lines.map((l) => JSON.parse(l))).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/^TLS_VERIFY=false/) })]));
  });
});
