import { EMPTY_FOLLOW_STATE, followStep, parseFollowState, SeenJob, serializeFollowState, TELL_MARGIN_MS } from '../../../lambda/backup/follow/followed-jobs';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const T0 = Date.parse('2026-12-06T04:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

function job(jobId: string, status: string, fields: Partial<SeenJob> = {}): SeenJob {
  return { jobId, kind: 'full', status, description: '', error: '', created: at(0), fraction: 0, ...fields };
}

describe('followStep', () => {
  test('the first look starts the watch: it follows what runs and tells nothing that ended before it', () => {
    const step = followStep(EMPTY_FOLLOW_STATE, [job('1', 'running', { fraction: 0.2 }), job('2', 'failed', { finished: at(-MINUTE_MS) })], at(0), HOUR_MS);
    expect(step.tell).toEqual([]);
    expect(step.next.following).toEqual([{ jobId: '1', kind: 'full', fraction: 0.2, progressAt: at(0).toISOString() }]);
  });

  test('a followed job that ended is told once, however long ago it ended; the next look does not tell it again', () => {
    const first = followStep(EMPTY_FOLLOW_STATE, [job('1', 'running')], at(0), HOUR_MS);
    const ended = job('1', 'failed', { finished: at(30 * HOUR_MS), error: 'boom' });
    const second = followStep(first.next, [ended], at(40 * HOUR_MS), HOUR_MS);
    expect(second.tell.map((j) => [j.jobId, j.status, j.error])).toEqual([['1', 'failed', 'boom']]);
    expect(second.next.following).toEqual([]);
    expect(followStep(second.next, [ended], at(40 * HOUR_MS + 5 * MINUTE_MS), HOUR_MS).tell).toEqual([]);
  });

  test('a job never seen running is told when it ended after the previous look, within the margin', () => {
    const first = followStep(EMPTY_FOLLOW_STATE, [], at(0), HOUR_MS);
    const quick = job('7', 'succeeded', { finished: at(2 * MINUTE_MS) });
    // Whole-second times: a job shown as ended a whole second before the previous look still counts.
    const early = job('8', 'succeeded', { finished: at(-1000) });
    const old = job('9', 'succeeded', { finished: at(-TELL_MARGIN_MS - 2000) });
    expect(followStep(first.next, [quick, early, old], at(5 * MINUTE_MS), HOUR_MS).tell.map((j) => j.jobId)).toEqual(['7', '8']);
  });

  test('a paused job is told on every look and stays followed', () => {
    const first = followStep(EMPTY_FOLLOW_STATE, [job('1', 'running')], at(0), HOUR_MS);
    const second = followStep(first.next, [job('1', 'paused')], at(5 * MINUTE_MS), HOUR_MS);
    const third = followStep(second.next, [job('1', 'paused')], at(10 * MINUTE_MS), HOUR_MS);
    expect([second.tell.length, third.tell.length, third.next.following.map((j) => j.jobId)]).toEqual([1, 1, ['1']]);
    expect(third.running).toEqual([]);
  });

  test('a job whose fraction stands still for hangAfter is hung; moving again clears it', () => {
    let state = followStep(EMPTY_FOLLOW_STATE, [job('1', 'running', { fraction: 0.4 })], at(0), HOUR_MS).next;
    const almost = followStep(state, [job('1', 'running', { fraction: 0.4 })], at(HOUR_MS - 1), HOUR_MS);
    expect(almost.hung).toEqual([]);
    const hung = followStep(almost.next, [job('1', 'running', { fraction: 0.4 })], at(HOUR_MS), HOUR_MS);
    expect(hung.hung).toEqual([{ jobId: '1', kind: 'full', fraction: 0.4, since: at(0).toISOString() }]);
    state = followStep(hung.next, [job('1', 'running', { fraction: 0.41 })], at(HOUR_MS + MINUTE_MS), HOUR_MS).next;
    expect(followStep(state, [job('1', 'running', { fraction: 0.41 })], at(HOUR_MS + 2 * MINUTE_MS), HOUR_MS).hung).toEqual([]);
  });

  test('a followed job with no row at all has vanished', () => {
    const first = followStep(EMPTY_FOLLOW_STATE, [job('1', 'running')], at(0), HOUR_MS);
    const step = followStep(first.next, [], at(15 * 24 * HOUR_MS), HOUR_MS);
    expect(step.vanished.map((j) => j.jobId)).toEqual(['1']);
    expect(step.next.following).toEqual([]);
  });
});

describe('parseFollowState', () => {
  test('reads back what it wrote', () => {
    const state = followStep(EMPTY_FOLLOW_STATE, [job('600000000000000001', 'running', { fraction: 0.5 })], at(0), HOUR_MS).next;
    expect(parseFollowState(serializeFollowState(state))).toEqual({ state, problems: [] });
  });

  test.each([
    ['the initial {}', '{}', []],
    ['text that is not JSON', 'not json', ['the follow state is not JSON: starting again']],
    ['an entry with a job id that is not an INT8', '{"following":[{"jobId":"1e18","kind":"full","fraction":0,"progressAt":"x"}],"told":[]}', ['the follow state held 1 unreadable entries: ignored']],
  ])('%s is an empty state (with a problem to log when unreadable)', (_, text, problems) => {
    expect(parseFollowState(text)).toEqual({ state: expect.objectContaining({ following: [], told: [] }), problems });
  });
});
