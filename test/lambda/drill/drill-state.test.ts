import { newestDrillAgeSeconds, parseDrillState, PendingDrill, serializeDrillState, staleDrillWarning, withEnded, withPending, withSince } from '../../../lambda/backup/drill/drill-state';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const drill = (jobId: string, database = 'movr'): PendingDrill => ({
  jobId,
  database,
  restoredName: `crdb_backup_drill_${database}_20261130t120000`,
  asOf: '2026-11-30T11:00:00.000Z',
  submittedAt: '2026-11-30T12:00:00.000Z',
});

describe('drill state', () => {
  test('round-trips through its JSON, job ids above 2^53 kept exactly', () => {
    const state = { pending: [drill('912345678901234567')], newestSuccess: '2026-11-23T12:00:00.000Z', since: '2026-11-01T00:00:00.000Z' };
    const text = serializeDrillState(state);
    expect(text).toContain('"jobId":"912345678901234567"');
    expect(parseDrillState(text)).toEqual({ state, problems: [] });
  });

  test('keeps the location a drill read (the off-site copy), and reads a state written before locations existed', () => {
    const state = { pending: [{ ...drill('7'), location: { source: 'copy' as const, bucket: 'backups-copy' } }, drill('8')] };
    expect(parseDrillState(serializeDrillState(state))).toEqual({ state, problems: [] });
  });

  test('drops an entry whose location is not one', () => {
    const { state, problems } = parseDrillState(JSON.stringify({ pending: [{ ...drill('7'), location: { source: 'elsewhere', bucket: 'b' } }, drill('8')] }));
    expect(state.pending).toEqual([drill('8')]);
    expect(problems).toEqual(['1 pending drill entries of the drill state are malformed and were dropped']);
  });

  test("reads the construct's initial value, and nothing, as an empty state", () => {
    expect(parseDrillState('{}')).toEqual({ state: { pending: [] }, problems: [] });
    expect(parseDrillState(undefined)).toEqual({ state: { pending: [] }, problems: [] });
  });

  test('drops malformed entries and says so', () => {
    const { state, problems } = parseDrillState(JSON.stringify({ pending: [drill('1'), { jobId: 12 }, { ...drill('2'), jobId: '1e5' }] }));
    expect(state.pending).toEqual([drill('1')]);
    expect(problems).toEqual(['2 pending drill entries of the drill state are malformed and were dropped']);
  });

  test('starts empty from text that is not JSON, and says so', () => {
    expect(parseDrillState('not json').problems).toEqual([expect.stringMatching(/^the drill state is not JSON/)]);
  });

  test('removes an ended drill from the pending ones and keeps the newest success', () => {
    const state = withPending({ pending: [], newestSuccess: '2026-11-30T10:00:00.000Z' }, [drill('1'), drill('2', 'bank')]);
    const afterFailure = withEnded(state, '1');
    expect(afterFailure).toEqual({ pending: [drill('2', 'bank')], newestSuccess: '2026-11-30T10:00:00.000Z' });
    const afterSuccess = withEnded(afterFailure, '2', new Date('2026-11-30T12:30:00Z'));
    expect(afterSuccess).toEqual({ pending: [], newestSuccess: '2026-11-30T12:30:00.000Z' });
    expect(withEnded(afterSuccess, '3', new Date('2026-11-29T00:00:00Z')).newestSuccess).toBe('2026-11-30T12:30:00.000Z');
  });
});

describe('newestDrillAgeSeconds', () => {
  const now = new Date('2026-11-30T12:00:00Z');

  test('is the age of the newest success', () => {
    expect(newestDrillAgeSeconds({ pending: [], newestSuccess: '2026-11-30T11:00:00.000Z', since: '2026-11-01T00:00:00.000Z' }, now)).toBe(3600);
  });

  test("before any success, counts from the parameter's creation, which later writes do not move", () => {
    const first = withSince({ pending: [] }, new Date('2026-11-30T10:00:00Z'));
    const later = withSince(first, new Date('2026-11-30T11:59:00Z'));
    expect(newestDrillAgeSeconds(later, now)).toBe(7200);
  });

  test('is undefined when nothing is known', () => {
    expect(newestDrillAgeSeconds({ pending: [] }, now)).toBeUndefined();
  });
});

describe('staleDrillWarning', () => {
  const week = 7 * 86400;

  test('says so when the newest success is older than twice the drill interval, as the alarm does', () => {
    expect(staleDrillWarning(2 * week + 1, week)).toBe('no restore drill succeeded for 14 days, more than twice the drill interval (7 days)');
  });

  test('is quiet within twice the interval, without an interval, or without an age', () => {
    expect(staleDrillWarning(2 * week, week)).toBeUndefined();
    expect(staleDrillWarning(100 * week, 0)).toBeUndefined();
    expect(staleDrillWarning(undefined, week)).toBeUndefined();
  });
});
