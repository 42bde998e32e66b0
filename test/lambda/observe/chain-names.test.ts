import { chainNameTime } from '../../../lambda/backup/observe/chain-names';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

describe('chainNameTime', () => {
  test.each([
    ['/2026/11/19-235950.41', '2026-11-19T23:59:50.410Z'],
    ['2026/11/19-235950.41', '2026-11-19T23:59:50.410Z'],
  ])('reads the full backup end time from the chain name %s', (name, iso) => {
    expect(chainNameTime(name)?.toISOString()).toBe(iso);
  });

  test.each(['/2026/11/19', 'incrementals/x', '/2026/13/45-999999.00'])('gives undefined for the name %s', (name) => {
    expect(chainNameTime(name)).toBeUndefined();
  });
});

describe('chainNameTime, as the retention window reads SHOW BACKUPS', () => {
  test.each([
    ['/2026/05/16-235950.05', '2026-05-16T23:59:50.050Z'],
    ['2026/05/16-000000.00', '2026-05-16T00:00:00.000Z'],
  ])('reads the end time %s is named from', (path, iso) => {
    expect(chainNameTime(path)?.toISOString()).toBe(iso);
  });

  test.each(['incrementals/2026/05/16-000000.00/20260517/010000.00', 'LATEST', '/2026/5/16-000000.00'])('is undefined for %s', (path) => {
    expect(chainNameTime(path)).toBeUndefined();
  });
});
