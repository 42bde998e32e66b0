import { Budget } from '../../../lambda/backup/connect/budget';
import { BackupFailure } from '../../../lambda/backup/connect/errors';
import { Session } from '../../../lambda/backup/connect/session';
import { pollJob } from '../../../lambda/backup/verify/verify';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const JOB_ID = '912345678901234567';
const STATEMENT_TIMEOUT_MS = 2_000;

interface Script {
  /** Reads (plain SHOW JOB) that see the job running before it has ended; a WHEN COMPLETE returns it ended. */
  readonly readsUntilEnded: number;
  /** The status a WHEN COMPLETE waits for: 'never' when the job never ends (statement timeout each time). */
  readonly completes?: 'succeeded' | 'never';
  /** Status of plain reads once the job is not running (default succeeded). */
  readonly settledStatus?: string;
  readonly budgetMs: number;
}

/**
 * A session that answers SHOW JOB and SHOW JOB WHEN COMPLETE from a script, and a clock
 * that only the recorded waits and the server-side waits move: no wall-clock time.
 */
function follow(script: Script) {
  let clock = 0;
  let reads = 0;
  const waits: number[] = [];
  const statements: string[] = [];
  const row = (status: string) => ({ job_id: JOB_ID, status, description: '', error: null, created: new Date(0), finished: null });
  const session = {
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    query: async (_what: string, text: string) => {
      statements.push(text.replace(JOB_ID, '<id>'));
      if (text.startsWith('SHOW JOB WHEN COMPLETE')) {
        if (script.completes === 'never') {
          clock += STATEMENT_TIMEOUT_MS;
          throw new BackupFailure('canceled due to statement timeout', '57014');
        }
        clock += 300;
        return [row('succeeded')];
      }
      return [row(++reads >= script.readsUntilEnded ? (script.settledStatus ?? 'succeeded') : 'running')];
    },
  } as unknown as Session;
  const wait = async (ms: number): Promise<void> => {
    waits.push(ms);
    clock += ms;
  };
  const budget = new Budget(script.budgetMs, () => clock);
  return { waits, statements, run: () => pollJob(session, undefined, JOB_ID, budget, wait) };
}

describe('pollJob', () => {
  test('waits for the job on the server: one SHOW JOB WHEN COMPLETE, no wait of its own', async () => {
    const { waits, statements, run } = follow({ readsUntilEnded: 100, completes: 'succeeded', budgetMs: 60_000 });
    expect((await run())?.status).toBe('succeeded');
    expect(waits).toEqual([]);
    expect(statements).toEqual(['SHOW JOB WHEN COMPLETE <id>']);
  });

  test('looks again after the statement timeout ended a wait, and stops at a paused job', async () => {
    const { statements, run } = follow({ readsUntilEnded: 1, completes: 'never', settledStatus: 'paused', budgetMs: 60_000 });
    expect((await run())?.status).toBe('paused');
    expect(statements).toEqual(['SHOW JOB WHEN COMPLETE <id>', 'SHOW JOB <id>']);
  });

  test('polls from 50 ms doubling when the budget is shorter than a statement timeout', async () => {
    const { waits, statements, run } = follow({ readsUntilEnded: 5, budgetMs: 2_500 });
    expect((await run())?.status).toBe('succeeded');
    expect(waits).toEqual([50, 100, 200, 400, 800]);
    expect(statements.every((s) => s === 'SHOW JOB <id>')).toBe(true);
  });

  test('returns the job still running when the budget ends', async () => {
    const { waits, run } = follow({ readsUntilEnded: 1_000, completes: 'never', budgetMs: 9_000 });
    expect((await run())?.status).toBe('running');
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(9_000);
  });
});
