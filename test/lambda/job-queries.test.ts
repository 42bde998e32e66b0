import { parseJobTimestamp } from '../../lambda/backup/job-queries';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

describe('parseJobTimestamp', () => {
  test('keeps a TIMESTAMPTZ that pg already parsed', () => {
    const date = new Date('2026-11-24T12:00:00Z');
    expect(parseJobTimestamp(date)).toBe(date);
  });

  test('reads a TIMESTAMP without zone (up to 23.1) as UTC, whatever the local time zone', () => {
    expect(parseJobTimestamp('2026-11-24 12:00:00.123456').toISOString()).toBe('2026-11-24T12:00:00.123Z');
  });

  test('honours an explicit offset in text', () => {
    expect(parseJobTimestamp('2026-11-24 13:00:00+01:00').toISOString()).toBe('2026-11-24T12:00:00.000Z');
  });
});
