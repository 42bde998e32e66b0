import { pickWinner } from '../../lambda/backup/arbitrate';
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
