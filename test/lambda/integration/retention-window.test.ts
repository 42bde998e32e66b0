import { ENV } from '../../../contract/environment';
import { METRICS } from '../../../contract/metrics';
import { metricValues } from '../../../lambda/backup/report/publish';
import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

function record<T>(value: T): T {
  guard.inspect(value);
  return value;
}
const DAY = 86_400;
const PARAMETER = 'CFN-BackupRetentionPromise-AbCdEf';

let harness: Harness;
beforeEach(async () => {
  harness = await Harness.start();
});
afterEach(async () => {
  await harness.stop();
});

function withRetention(promisedDaysAgo: number) {
  harness.createParameter(PARAMETER, '{"retentionDays":35}', new Date(Date.now() - promisedDaysAgo * DAY * 1000));
  return harness.deploy(harness.double, { [ENV.retentionSeconds]: String(35 * DAY), [ENV.retentionParameter]: PARAMETER });
}

describe('the restorable window, with retention on', () => {
  test('a run reports the oldest restorable point it sees in storage (one more round trip, SHOW BACKUPS IN)', async () => {
    const without = record(await harness.lambda.run('incremental'));
    const first = record(await withRetention(0).run('incremental'));
    expect(first.oldestRestorableAgeSeconds).toBeGreaterThanOrEqual(10);
    expect(first.oldestRestorableAgeSeconds).toBeLessThan(120);
    expect(without.oldestRestorableAgeSeconds).toBeUndefined();
    // Both runs took the same path (a full backup, then an incremental: both observe the same way).
    const plain = record(await harness.lambda.run('incremental'));
    const counted = record(await withRetention(0).run('incremental'));
    expect(counted.stats.sqlRoundTrips - plain.stats.sqlRoundTrips).toBe(1);
    expect(harness.double.statements.filter((s) => s.text.startsWith('SHOW BACKUPS IN')).length).toBe(2);
  });

  test('a promise made just now falls short of nothing: the collection is younger than the promise', async () => {
    const lambda = withRetention(0);
    // The first run observes an empty collection (then takes the first full backup): nothing promised yet, nothing seen.
    expect(record(await lambda.run('incremental'))).toMatchObject({ oldestRestorableAgeSeconds: undefined, retentionShortfallSeconds: 0 });
    const result = record(await lambda.run('incremental'));
    expect(result.oldestRestorableAgeSeconds).toBeGreaterThan(0);
    expect(result.retentionShortfallSeconds).toBe(0);
    expect(metricValues(result)).toMatchObject({ oldestRestorableAge: result.oldestRestorableAgeSeconds, retentionShortfall: 0 });
  });

  test('a promise made a year ago with only a fresh chain in storage falls short by almost the whole retention', async () => {
    const result = record(await withRetention(365).run('incremental'));
    expect(result.retentionShortfallSeconds).toBeGreaterThan(35 * DAY - 120);
    expect(result.retentionShortfallSeconds).toBeLessThanOrEqual(35 * DAY);
    expect(METRICS.retentionShortfall.name).toBe('RetentionShortfallSeconds');
  });
});
