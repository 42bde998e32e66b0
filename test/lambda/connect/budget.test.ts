import { Budget } from '../../../lambda/backup/connect/budget';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

describe('Budget', () => {
  test('caps a timeout at the time left', () => {
    let now = 0;
    const budget = Budget.fromNow(1000, () => now);
    expect(budget.cap(5000)).toBe(1000);
    now = 800;
    expect(budget.cap(5000)).toBe(200);
    expect(budget.cap(100)).toBe(100);
  });

  test('fails when the time is used up, instead of starting work that cannot finish', () => {
    let now = 0;
    const budget = Budget.fromNow(1000, () => now);
    now = 1000;
    expect(budget.remaining()).toBe(0);
    expect(() => budget.cap(5000)).toThrow('the time budget of this run is used up');
  });
});
