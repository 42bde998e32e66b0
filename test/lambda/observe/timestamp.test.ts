import { parseSqlTimestamp } from '../../../lambda/backup/observe/timestamp';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

describe('parseSqlTimestamp', () => {
  test('keeps a TIMESTAMPTZ that pg already parsed', () => {
    const date = new Date('2026-11-24T12:00:00Z');
    expect(parseSqlTimestamp(date)).toBe(date);
  });

  test('reads a TIMESTAMP without zone (SHOW JOBS up to 23.1, SHOW BACKUP) as UTC, whatever the local time zone', () => {
    expect(parseSqlTimestamp('2026-11-24 12:00:00.123456').toISOString()).toBe('2026-11-24T12:00:00.123Z');
  });

  test('honours an explicit offset in text', () => {
    expect(parseSqlTimestamp('2026-11-24 13:00:00+01:00').toISOString()).toBe('2026-11-24T12:00:00.000Z');
  });
});
