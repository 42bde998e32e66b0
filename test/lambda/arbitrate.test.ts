import { pickWinner, RACE_WINDOW_MS, supersedingJob } from '../../lambda/backup/arbitrate';
import { ClassifiedJob } from '../../lambda/backup/classify';
import { job, NOW } from './helpers/fixtures';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

describe('pickWinner', () => {
  test('lets a full backup beat an incremental whatever their ids', () => {
    expect(pickWinner([{ jobId: '1', kind: 'incremental' }, { jobId: '2', kind: 'full' }]).jobId).toBe('2');
  });

  test('lets the lower job id win between two of a kind, compared exactly above 2^53', () => {
    // As Numbers both are 9007199254740992: only BigInt tells them apart.
    const contenders = [
      { jobId: '9007199254740993', kind: 'incremental' as const },
      { jobId: '9007199254740992', kind: 'incremental' as const },
    ];
    expect(pickWinner(contenders).jobId).toBe('9007199254740992');
    expect(pickWinner([...contenders].reverse()).jobId).toBe('9007199254740992');
  });

  test('compares ids numerically, not as text', () => {
    expect(pickWinner([{ jobId: '10', kind: 'full' }, { jobId: '9', kind: 'full' }]).jobId).toBe('9');
  });

  test('reaches the same verdict whatever the order it sees the contenders in', () => {
    const a = { jobId: '812345678901234567', kind: 'incremental' as const };
    const b = { jobId: '812345678901234568', kind: 'full' as const };
    const c = { jobId: '812345678901234566', kind: 'incremental' as const };
    expect(new Set([pickWinner([a, b, c]), pickWinner([c, b, a]), pickWinner([b, a, c])]).size).toBe(1);
  });

  test('fails if there is no contender', () => {
    expect(() => pickWinner([])).toThrow('pickWinner needs at least one contender');
  });
});

describe('supersedingJob', () => {
  const at = (seconds: number): Date => new Date(NOW.getTime() + seconds * 1000);
  /** A job of the collection created `created` seconds after NOW, finished at `finished` if given. */
  const backup = (kind: ClassifiedJob['kind'], status: string, created: number, finished?: number): ClassifiedJob => ({
    ...job({ minutesAgo: 0, status }),
    kind,
    created: at(created),
    finished: finished === undefined ? undefined : at(finished),
  });

  test('names the job a canceled loser of a race lost to', () => {
    const winner = backup('full', 'succeeded', 0, 60);
    const loser = backup('incremental', 'canceled', 0.2, 0.4);
    expect(supersedingJob(loser, [winner, loser])?.jobId).toBe(winner.jobId);
  });

  test('names the lower id of two racing incrementals as the winner of the higher', () => {
    const winner = backup('incremental', 'succeeded', 0.2, 30);
    const loser = backup('incremental', 'canceled', 0.3, 0.5);
    // job() hands out increasing ids, as CockroachDB does: the loser has the higher id.
    expect(BigInt(loser.jobId)).toBeGreaterThan(BigInt(winner.jobId));
    expect(supersedingJob(loser, [winner, loser])?.jobId).toBe(winner.jobId);
  });

  test('finds no partner for a canceled job when the other job was canceled too', () => {
    const other = backup('full', 'canceled', 0, 1);
    const canceled = backup('incremental', 'canceled', 0.2, 0.4);
    expect(supersedingJob(canceled, [other, canceled])).toBeUndefined();
  });

  test('finds no partner for a canceled job when the other was created outside the race window', () => {
    const other = backup('full', 'running', -RACE_WINDOW_MS / 1000 - 1);
    const canceled = backup('incremental', 'canceled', 0, 1);
    expect(supersedingJob(canceled, [other, canceled])).toBeUndefined();
  });

  test('finds no partner for a canceled job when the other was created after the cancel', () => {
    const canceled = backup('incremental', 'canceled', 0, 1);
    const later = backup('full', 'succeeded', 2, 30);
    expect(supersedingJob(canceled, [later, canceled])).toBeUndefined();
  });

  test('finds no partner for a canceled job when the other had ended before it was created', () => {
    const earlier = backup('full', 'succeeded', 0, 10);
    const canceled = backup('incremental', 'canceled', 20, 25);
    expect(supersedingJob(canceled, [earlier, canceled])).toBeUndefined();
  });

  test('finds no partner for a canceled job that would have beaten the other', () => {
    const canceled = backup('full', 'canceled', 0, 1);
    const other = backup('incremental', 'succeeded', 0.2, 30);
    expect(supersedingJob(canceled, [other, canceled])).toBeUndefined();
  });

  test('finds no partner for a job that was not canceled', () => {
    const winner = backup('full', 'succeeded', 0, 60);
    const failed = backup('incremental', 'failed', 0.2, 0.4);
    expect(supersedingJob(failed, [winner, failed])).toBeUndefined();
  });
});
