import { retentionWindowValues } from '../../../lambda/backup/retention/window';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const DAY = 86_400;
const now = new Date('2026-06-30T12:00:00Z');
const daysAgo = (days: number): Date => new Date(now.getTime() - days * DAY * 1000);

describe('retentionWindowValues', () => {
  const base = { now, retentionSeconds: 35 * DAY, runIntervalSeconds: 3600, promisedSince: daysAgo(400) };

  test('the window holds when the oldest chain starts before now minus the retention', () => {
    expect(retentionWindowValues({ ...base, fullBackupEnds: [daysAgo(2), daysAgo(37.5), daysAgo(20)] })).toEqual({
      oldestRestorableAgeSeconds: 37.5 * DAY,
      retentionShortfallSeconds: 0,
    });
  });

  test('falls short by the missing days when the oldest chains are gone', () => {
    expect(retentionWindowValues({ ...base, fullBackupEnds: [daysAgo(30), daysAgo(1)] })).toEqual({ oldestRestorableAgeSeconds: 30 * DAY, retentionShortfallSeconds: 5 * DAY });
  });

  test('a collection younger than a recent promise falls short of nothing', () => {
    const promisedSince = daysAgo(10);
    expect(retentionWindowValues({ ...base, promisedSince, fullBackupEnds: [new Date(promisedSince.getTime() + 1800_000)] }).retentionShortfallSeconds).toBe(0);
  });

  test('a recent promise still counts what it promised: chains gone since it began fall short', () => {
    expect(retentionWindowValues({ ...base, promisedSince: daysAgo(10), fullBackupEnds: [daysAgo(3)] }).retentionShortfallSeconds).toBe(7 * DAY - 2 * 3600);
  });

  test('no chain at all falls short by the whole promise', () => {
    expect(retentionWindowValues({ ...base, fullBackupEnds: [] })).toEqual({ oldestRestorableAgeSeconds: undefined, retentionShortfallSeconds: 35 * DAY });
  });

  test('without the start of the promise, the full retention is promised', () => {
    expect(retentionWindowValues({ ...base, promisedSince: undefined, fullBackupEnds: [daysAgo(10)] }).retentionShortfallSeconds).toBe(25 * DAY);
  });
});
