import { installSecretGuard } from '../lambda/helpers/secret-guard';
import { KeyContext, planRetirement, planRoom, standing } from '../../lambda/rotation/key-lifecycle';
import { KeyMetadata } from '../../lambda/rotation/user-access-keys';

installSecretGuard();

const NOW = new Date('2026-11-30T12:00:00Z');
const HOUR = 3600_000;
const at = (hoursBeforeNow: number): Date => new Date(NOW.getTime() - hoursBeforeNow * HOUR);
const key = (accessKeyId: string, createdHoursAgo: number, status: KeyMetadata['status'] = 'Active'): KeyMetadata => ({ accessKeyId, status, created: at(createdHoursAgo) });

/** The current key became current 1 hour ago; the grace period is 2 hours. */
const CONTEXT: KeyContext = { currentKeyId: 'CURRENT', currentSince: at(1), graceSeconds: 7200, now: NOW };
const AFTER_GRACE: KeyContext = { ...CONTEXT, now: new Date(NOW.getTime() + 2 * HOUR) };

describe('where a key stands', () => {
  test('a key older than the current one is a previous key: in its grace period, then retirable', () => {
    expect(standing(key('OLD', 100), CONTEXT)).toBe('in-grace');
    expect(standing(key('OLD', 100), AFTER_GRACE)).toBe('retirable');
  });

  test('a key created after the current key became current, and not pending, was never handed to a backup', () => {
    expect(standing(key('ORPHAN', 0.5), CONTEXT)).toBe('never-current');
    expect(standing(key('ORPHAN', 0.5), { ...CONTEXT, pendingKeyId: 'ORPHAN' })).toBe('pending');
  });
});

describe('making room for a new key', () => {
  test('deletes nothing while the user holds one key', () => {
    expect(planRoom([key('CURRENT', 2)], CONTEXT)).toEqual({ delete: [] });
  });

  test('refuses to delete a previous key in its grace period, naming it and when the grace period ends', () => {
    expect(planRoom([key('OLD', 100), key('CURRENT', 2)], CONTEXT)).toEqual({ blockedBy: 'OLD', until: new Date(at(1).getTime() + 2 * HOUR) });
  });

  test('deletes an inactive key, a key no job carried, or a previous key past its grace period', () => {
    expect(planRoom([key('OLD', 100, 'Inactive'), key('CURRENT', 2)], CONTEXT)).toEqual({ delete: ['OLD'] });
    expect(planRoom([key('ORPHAN', 0.5), key('CURRENT', 2)], CONTEXT)).toEqual({ delete: ['ORPHAN'] });
    expect(planRoom([key('OLD', 100), key('CURRENT', 2)], AFTER_GRACE)).toEqual({ delete: ['OLD'] });
  });

  test('never deletes the current key, even when nothing else can go', () => {
    expect(planRoom([key('CURRENT', 2), key('PENDING', 0.2)], { ...CONTEXT, pendingKeyId: 'PENDING' })).toEqual({ blockedBy: 'PENDING', until: expect.any(Date) });
  });
});

describe('retiring previous keys', () => {
  test('waits during the grace period', () => {
    expect(planRetirement([key('OLD', 100), key('CURRENT', 2)], CONTEXT, false)).toEqual({ steps: [], waiting: [{ accessKeyId: 'OLD', until: new Date(at(1).getTime() + 2 * HOUR) }] });
  });

  test('deactivates an active previous key after it, and deletes one found inactive', () => {
    expect(planRetirement([key('OLD', 100), key('CURRENT', 2)], AFTER_GRACE, false).steps).toEqual([{ accessKeyId: 'OLD', action: 'deactivate' }]);
    expect(planRetirement([key('OLD', 100, 'Inactive'), key('CURRENT', 2)], AFTER_GRACE, false).steps).toEqual([{ accessKeyId: 'OLD', action: 'delete' }]);
  });

  test('immediately: deactivates and deletes within the grace period; the current and pending keys stay', () => {
    const keys = [key('OLD', 100), key('CURRENT', 2), key('PENDING', 0.2)];
    expect(planRetirement(keys, { ...CONTEXT, pendingKeyId: 'PENDING' }, true)).toEqual({
      steps: [
        { accessKeyId: 'OLD', action: 'deactivate' },
        { accessKeyId: 'OLD', action: 'delete' },
      ],
      waiting: [],
    });
  });
});
