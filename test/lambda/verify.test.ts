import { Budget } from '../../lambda/backup/budget';
import { Session } from '../../lambda/backup/session';
import { pollJob } from '../../lambda/backup/verify';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

const JOB_ID = '912345678901234567';

/**
 * A session whose job reads return `running` until the given number of reads, then
 * `succeeded`; and a clock that only the recorded waits move, so no wall-clock time.
 */
function pollAgainst(readsUntilEnded: number, budgetMs: number): { waits: number[]; run: () => ReturnType<typeof pollJob> } {
  let clock = 0;
  let reads = 0;
  const waits: number[] = [];
  const row = (status: string) => ({ job_id: JOB_ID, status, description: '', error: null, created: new Date(0), finished: null });
  const session = {
    query: async () => [row(++reads >= readsUntilEnded ? 'succeeded' : 'running')],
  } as unknown as Session;
  const wait = async (ms: number): Promise<void> => {
    waits.push(ms);
    clock += ms;
  };
  const budget = new Budget(budgetMs, () => clock);
  return { waits, run: () => pollJob(session, undefined, JOB_ID, budget, wait) };
}

describe('pollJob', () => {
  test('doubles the wait from 50 ms up to the 5 s cap', async () => {
    const { waits, run } = pollAgainst(10, 60_000);
    expect((await run())?.status).toBe('succeeded');
    expect(waits).toEqual([50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  test('reads a job that ended within 50 ms after one wait', async () => {
    const { waits, run } = pollAgainst(1, 60_000);
    expect((await run())?.status).toBe('succeeded');
    expect(waits).toEqual([50]);
  });

  test('stops polling when the budget leaves no room for another wait and read', async () => {
    const { waits, run } = pollAgainst(1_000, 2_000);
    expect((await run())?.status).toBe('running');
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2_000);
  });
});
