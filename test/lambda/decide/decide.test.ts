import type { CockroachBackupProps } from '../../../lib/cockroach-backup';
import { classifyJobs } from '../../../lambda/backup/decide/classify';
import { analyzeCollection, decide, DecisionPolicy, rebaselineInstruction } from '../../../lambda/backup/decide/decide';
import { JobRow } from '../../../lambda/backup/observe/job';
import { StoredChain } from '../../../lambda/backup/observe/stored-chain';
import { DESCRIPTIONS, job, NOW } from '../helpers/fixtures';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const S1 = '/2026/11/24-020000.00';
const policy: DecisionPolicy = { maxIncrementals: 3, autoRebaseline: true, asOfSystemTimeSeconds: 10, revisionHistory: true, collectionLabel: 's3://backup-bucket/prod_1/cluster' };
const minutesAgo = (minutes: number): Date => new Date(NOW.getTime() - minutes * 60_000);

/** A chain in storage: a full backup that ended 10 hours ago and `incrementals` layers an hour apart after it. */
function stored(incrementals: number, fullEndedMinutesAgo = 600): StoredChain {
  const layerEnds = Array.from({ length: incrementals + 1 }, (_, i) => minutesAgo(fullEndedMinutesAgo - i * 60));
  return { fullEnd: layerEnds[0], newestEnd: layerEnds[incrementals], incrementals, layerEnds, layers: layerEnds.map((end) => ({ end, databases: ['defaultdb'] })) };
}

function state(chain: StoredChain | undefined, rows: readonly JobRow[] = [], windowSeconds = 3600) {
  return analyzeCollection({ chain, jobs: classifyJobs(rows) }, NOW, { windowSeconds, asOfSystemTimeSeconds: 10 });
}

const FOREIGN = 'previous BACKUP belongs to cluster 4a7b';
const GC = 'start timestamp 1 must be after replica GC threshold 2';

describe('analyzeCollection', () => {
  test('reports the jobs that ended within the window and every paused job', () => {
    const old = job({ minutesAgo: 200 });
    const recent = job({ minutesAgo: 30, status: 'failed', error: 'boom' });
    const paused = job({ minutesAgo: 500, status: 'paused' });
    const analyzed = state(stored(1), [old, recent, paused]);
    expect(analyzed.endedRecently.map((j) => j.jobId)).toEqual([recent.jobId]);
    expect(analyzed.paused.map((j) => j.jobId)).toEqual([paused.jobId]);
  });

  test('takes the chain from storage, not from the jobs it can see', () => {
    expect(state(stored(5), [job({ minutesAgo: 30, description: DESCRIPTIONS.resolved(S1) })]).chain?.incrementals).toBe(5);
  });

  test('finds an incremental that failed after the newest layer in storage for a reason that needs consent', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: FOREIGN, description: DESCRIPTIONS.latest });
    expect(state(stored(1, 120), [failed]).brokenChain).toMatchObject({ job: { jobId: failed.jobId }, failure: 'foreign-cluster' });
  });

  test('forgets that failure once a newer layer is in storage, such as a full backup an operator took as root', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: FOREIGN, description: DESCRIPTIONS.latest });
    // The operator's full backup (invisible in the job table) ended 5 minutes ago.
    expect(state(stored(0, 5), [failed]).brokenChain).toBeUndefined();
  });

  test("keeps the failure when the newest layer ended before the failed incremental's own end time would have", () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: GC, description: DESCRIPTIONS.latest });
    // Ended 29 min 55 s ago: after the job was created, but before the end time its '-10s' gave it.
    const chain = { ...stored(0, 120), newestEnd: new Date(failed.created.getTime() + 5_000) };
    expect(state(chain, [failed]).brokenChain?.failure).toBeUndefined();
    const older = { ...chain, newestEnd: new Date(failed.created.getTime() - 11_000) };
    expect(state(older, [failed]).brokenChain?.failure).toBe('gc-threshold');
  });

  test('does not ask for consent for a failure that needs none', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: 'path does not contain a completed latest backup', description: DESCRIPTIONS.latest });
    expect(state(stored(0, 120), [failed]).brokenChain).toBeUndefined();
  });
});

describe('decide', () => {
  test('takes a full backup when storage holds no full backup, even when an incremental is due', () => {
    expect(decide('incremental', state(undefined), policy)).toMatchObject({
      action: 'submit',
      kind: 'full',
      reason: 'storage holds no completed full backup in s3://backup-bucket/prod_1/cluster',
    });
  });

  test('takes an incremental on a chain in storage that the job table does not show (another user took it)', () => {
    expect(decide('incremental', state(stored(2), []), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });

  test('takes a full backup when one is requested', () => {
    expect(decide('full', state(stored(1)), policy)).toMatchObject({ action: 'submit', kind: 'full' });
  });

  test('takes a full backup when the chain in storage reached MAX_INCREMENTALS', () => {
    expect(decide('incremental', state(stored(3)), policy)).toMatchObject({ action: 'submit', kind: 'full', reason: expect.stringContaining('MAX_INCREMENTALS=3') });
  });

  test('skips when a backup of the collection is still running', () => {
    const running = job({ minutesAgo: 1, status: 'running', description: DESCRIPTIONS.resolved(S1) });
    expect(decide('incremental', state(stored(1), [running]), policy)).toMatchObject({ action: 'skip', blocking: { jobId: running.jobId } });
  });

  test.each(['pending', 'pause-requested', 'cancel-requested', 'reverting'])('skips when a backup is %s', (status) => {
    expect(decide('incremental', state(stored(1), [job({ minutesAgo: 1, status })]), policy).action).toBe('skip');
  });

  test('skips a full backup while another full backup runs', () => {
    const running = job({ minutesAgo: 1, status: 'running', description: DESCRIPTIONS.newFull });
    expect(decide('full', state(stored(1), [running]), policy).action).toBe('skip');
  });

  test('waits for a running incremental before a requested full backup', () => {
    const running = job({ minutesAgo: 1, status: 'running' });
    expect(decide('full', state(stored(1), [running]), policy)).toMatchObject({ action: 'wait', blocking: { jobId: running.jobId } });
  });

  test('does not let a paused job of an older chain block the next backup', () => {
    const paused = job({ minutesAgo: 700, status: 'paused', description: DESCRIPTIONS.latest });
    expect(decide('incremental', state(stored(1), [paused]), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });

  test('starts a new chain when a paused incremental belongs to the current one', () => {
    const paused = job({ minutesAgo: 5, status: 'paused', description: DESCRIPTIONS.latest });
    expect(decide('incremental', state(stored(1), [paused]), policy)).toMatchObject({ action: 'submit', kind: 'full', reason: expect.stringContaining(paused.jobId) });
  });

  test.each([
    ['the collection belongs to another cluster', FOREIGN],
    ['the GC threshold was passed', GC],
  ])('re-baselines when %s and AUTO_REBASELINE is true', (_, error) => {
    const failed = job({ minutesAgo: 30, status: 'failed', error, description: DESCRIPTIONS.latest });
    expect(decide('incremental', state(stored(1), [failed]), policy)).toMatchObject({ action: 'submit', kind: 'full' });
  });

  test("fails with the runbook's instruction when the collection belongs to another cluster and AUTO_REBASELINE is false", () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: FOREIGN, description: DESCRIPTIONS.latest });
    const decision = decide('incremental', state(stored(1), [failed]), { ...policy, autoRebaseline: false });
    expect(decision.action).toBe('fail');
    expect(decision.reason).toContain("take a full backup to start a new chain (BACKUP INTO 's3://backup-bucket/prod_1/cluster' AS OF SYSTEM TIME '-10s'");
    expect(decision.reason).toContain('another cluster');
  });

  test('continues incrementally after an operator followed the instruction, AUTO_REBASELINE false', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: FOREIGN, description: DESCRIPTIONS.latest });
    const decision = decide('incremental', state(stored(0, 5), [failed]), { ...policy, autoRebaseline: false });
    expect(decision).toMatchObject({ action: 'submit', kind: 'incremental' });
  });

  test("names the construct's autoRebaseline prop and the AUTO_REBASELINE variable in the runbook's instruction", () => {
    // Compiles only while the construct has the prop the instruction names.
    const prop: keyof CockroachBackupProps = 'autoRebaseline';
    expect(rebaselineInstruction(policy, 'gc-threshold')).toContain(`or set the construct's ${prop} prop (AUTO_REBASELINE=true) to let the Lambda do it`);
  });

  test('writes the configured AS OF SYSTEM TIME offset in the instruction', () => {
    expect(rebaselineInstruction({ ...policy, asOfSystemTimeSeconds: 30 }, 'gc-threshold')).toContain("AS OF SYSTEM TIME '-30s' WITH DETACHED");
  });

  test('asks for revision history in the manual full backup exactly when the Lambda takes its backups with it', () => {
    // A full backup without revision history under incrementals with it breaks point-in-time restores.
    expect(rebaselineInstruction(policy, 'foreign-cluster')).toContain("WITH DETACHED, revision_history, or invoke");
    expect(rebaselineInstruction({ ...policy, revisionHistory: false }, 'foreign-cluster')).toContain("WITH DETACHED, or invoke");
  });

  test('retries an incremental after a failure a full backup would not cure', () => {
    const failed = job({ minutesAgo: 30, status: 'failed', error: 'context deadline exceeded', description: DESCRIPTIONS.resolved(S1) });
    expect(decide('incremental', state(stored(1), [failed]), policy)).toMatchObject({ action: 'submit', kind: 'incremental' });
  });
});
