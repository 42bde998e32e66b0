import type { CockroachBackupProps } from '../../lib/cockroach-backup';
import { analyzeCollection, decide, DecisionPolicy, rebaselineInstruction } from '../../lambda/backup/decide';
import { JobRow } from '../../lambda/backup/job';
import { DESCRIPTIONS, job, NOW } from './helpers/fixtures';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

const S1 = '/2026/11/23-020000.00';
const S2 = '/2026/11/24-020000.00';
const policy: DecisionPolicy = { maxIncrementals: 3, autoRebaseline: true, collectionLabel: 's3://backup-bucket/prod_1/cluster' };

function state(rows: readonly JobRow[], windowSeconds = 3600) {
  return analyzeCollection(rows, NOW, windowSeconds);
}

/** A chain on S1: its full backup and `incrementals` succeeded incrementals, an hour apart. */
function chain(incrementals: number, subdir = S1, startMinutesAgo = 600): JobRow[] {
  return Array.from({ length: incrementals + 1 }, (_, i) => job({ minutesAgo: startMinutesAgo - i * 60, description: DESCRIPTIONS.resolved(subdir) }));
}

describe('analyzeCollection', () => {
  test('reports the jobs that ended within the window and every paused job', () => {
    const old = job({ minutesAgo: 200 });
    const recent = job({ minutesAgo: 30, status: 'failed', error: 'boom' });
    const paused = job({ minutesAgo: 500, status: 'paused' });
    const analyzed = state([old, recent, paused]);
    expect(analyzed.endedRecently.map((j) => j.jobId)).toEqual([recent.jobId]);
    expect(analyzed.paused.map((j) => j.jobId)).toEqual([paused.jobId]);
  });

  test('finds the newest success and the current chain', () => {
    const jobs = chain(2);
    const analyzed = state(jobs);
    expect(analyzed.newestSuccess?.jobId).toBe(jobs[2].jobId);
    expect(analyzed.chain).toEqual({ subdir: S1, length: 2 });
  });

  test('ignores a chain-breaking failure that a later success made obsolete', () => {
    const failed = job({ minutesAgo: 100, status: 'failed', error: 'previous BACKUP belongs to cluster x', description: DESCRIPTIONS.latest });
    const full = job({ minutesAgo: 50, description: DESCRIPTIONS.resolved(S2) });
    expect(state([...chain(1), failed, full]).brokenChain).toBeUndefined();
    expect(state([...chain(1), failed]).brokenChain?.job.jobId).toBe(failed.jobId);
  });
});

describe('decide', () => {
  test('takes a full backup on an empty collection even when an incremental is due', () => {
    expect(decide('incremental', state([]), policy)).toMatchObject({ action: 'submit', kind: 'full' });
  });

  test('takes an incremental when the chain has room', () => {
    expect(decide('incremental', state(chain(2)), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });

  test('takes a full backup when one is requested', () => {
    expect(decide('full', state(chain(1)), policy)).toMatchObject({ action: 'submit', kind: 'full' });
  });

  test('takes a full backup when the chain reached MAX_INCREMENTALS', () => {
    expect(decide('incremental', state(chain(3)), policy)).toMatchObject({ action: 'submit', kind: 'full', reason: expect.stringContaining('MAX_INCREMENTALS=3') });
  });

  test('skips when a backup of the collection is still running', () => {
    const running = job({ minutesAgo: 1, status: 'running', description: DESCRIPTIONS.resolved(S1) });
    expect(decide('incremental', state([...chain(1), running]), policy)).toMatchObject({ action: 'skip', blocking: { jobId: running.jobId } });
  });

  test.each(['pending', 'pause-requested', 'cancel-requested', 'reverting'])('skips when a backup is %s', (status) => {
    expect(decide('incremental', state([...chain(1), job({ minutesAgo: 1, status })]), policy).action).toBe('skip');
  });

  test('skips a full backup while another full backup runs', () => {
    const running = job({ minutesAgo: 1, status: 'running', description: DESCRIPTIONS.newFull });
    expect(decide('full', state([...chain(1), running]), policy).action).toBe('skip');
  });

  test('waits for a running incremental before a requested full backup', () => {
    const running = job({ minutesAgo: 1, status: 'running' });
    expect(decide('full', state([...chain(1), running]), policy)).toMatchObject({ action: 'wait', blocking: { jobId: running.jobId } });
  });

  test('does not let a paused job block the next backup', () => {
    const paused = job({ minutesAgo: 400, status: 'paused', description: DESCRIPTIONS.resolved('/2026/11/20-020000.00') });
    expect(decide('incremental', state([paused, ...chain(1)]), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });

  test('starts a new chain when a paused incremental belongs to the current one', () => {
    const paused = job({ minutesAgo: 5, status: 'paused', description: DESCRIPTIONS.resolved(S1) });
    expect(decide('incremental', state([...chain(1), paused]), policy)).toMatchObject({ action: 'submit', kind: 'full', reason: expect.stringContaining(paused.jobId) });
  });

  test.each([
    ['the collection belongs to another cluster', 'previous BACKUP belongs to cluster 4a7b'],
    ['the GC threshold was passed', 'start timestamp 1 must be after replica GC threshold 2'],
  ])('re-baselines when %s and AUTO_REBASELINE is true', (_, error) => {
    const failed = job({ minutesAgo: 30, status: 'failed', error, description: DESCRIPTIONS.latest });
    expect(decide('incremental', state([...chain(1), failed]), policy)).toMatchObject({ action: 'submit', kind: 'full' });
  });

  test("fails with the runbook's instruction when the collection belongs to another cluster and AUTO_REBASELINE is false", () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: 'previous BACKUP belongs to cluster 4a7b', description: DESCRIPTIONS.latest });
    const decision = decide('incremental', state([...chain(1), failed]), { ...policy, autoRebaseline: false });
    expect(decision.action).toBe('fail');
    expect(decision.reason).toContain("take a full backup to start a new chain (BACKUP INTO 's3://backup-bucket/prod_1/cluster'");
    expect(decision.reason).toContain('another cluster');
  });

  test("names the construct's autoRebaseline prop and the AUTO_REBASELINE variable in the runbook's instruction", () => {
    // Compiles only while the construct has the prop the instruction names.
    const prop: keyof CockroachBackupProps = 'autoRebaseline';
    expect(rebaselineInstruction('s3://backup-bucket/prod_1/cluster', 'gc-threshold')).toContain(
      `or set the construct's ${prop} prop (AUTO_REBASELINE=true) to let the Lambda do it`,
    );
  });

  test('retries an incremental after a failure a full backup would not cure', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: 'context deadline exceeded', description: DESCRIPTIONS.resolved(S1) });
    expect(decide('incremental', state([...chain(1), failed]), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });
});
