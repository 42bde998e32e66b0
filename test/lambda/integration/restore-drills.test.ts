import { ENV } from '../../../contract/environment';
import { METRICS } from '../../../contract/metrics';
import { parseDrillState } from '../../../lambda/backup/drill/drill-state';
import { BackupResult } from '../../../lambda/backup/report/result';
import { parseSqlTimestamp } from '../../../lambda/backup/observe/timestamp';
import { asRoot, BACKUP_USER, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { CockroachVersion, DoubleDatabase } from '../../support/cockroach-double';

const guard = installSecretGuard();

const PARAMETER = '/cockroach-backup/prod/drill-state';

let harness: Harness;

function withHarness(version: CockroachVersion, environment: Record<string, string> = {}, databases?: readonly DoubleDatabase[]): void {
  beforeEach(async () => {
    harness = await Harness.start({ version, databases, environment: { [ENV.drillStateParameter]: PARAMETER, ...environment } });
    harness.createParameter(PARAMETER);
    // The README's grant for drills.
    harness.double.grant(BACKUP_USER.name, 'RESTORE');
  });
  afterEach(async () => {
    await harness.stop();
  });
}

/** The last embedded-metric document and summary line the handler wrote. */
function published(): { metrics: Record<string, unknown>; summary: Record<string, unknown> } {
  const lines = guard.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { metrics: lines.filter((l) => l._aws !== undefined).pop()!, summary: lines.filter((l) => l.summary === 'backup run').pop()! };
}

function drillState() {
  return parseDrillState(harness.parameters.get(PARAMETER)?.value).state;
}

/** The databases a drill restored that are still in the cluster, as root sees them. */
async function drillDatabasesLeft(): Promise<string[]> {
  const rows = await asRoot(harness.double, 'SHOW DATABASES');
  return rows.map((row) => String(row.database_name)).filter((name) => name.startsWith('crdb_backup_drill_'));
}

function restoreStatements(): string[] {
  return harness.double.statements.map((s) => s.text).filter((text) => text.startsWith('RESTORE'));
}

function record(result: BackupResult): BackupResult {
  guard.inspect(result);
  return result;
}

describe.each(['23.1', '26.3'] as const)('restore drills on CockroachDB %s', (version) => {
  withHarness(version);

  test('restores every database of the newest chain as of a time inside it, verifies the jobs and cleans up after itself', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    const result = record(await harness.lambda.run('restore-drill'));
    expect(result).toMatchObject({ action: 'passed', kind: 'restore-drill' });
    const ended = result.drills!.ended;
    expect(ended.map((r) => [r.database, r.status, r.cleanup])).toEqual([
      ['defaultdb', 'succeeded', 'dropped'],
      ['postgres', 'succeeded', 'dropped'],
    ]);
    for (const statement of restoreStatements()) {
      expect(statement).toMatch(
        /^RESTORE DATABASE "(defaultdb|postgres)" FROM '\/\d{4}\/\d\d\/\d\d-\d{6}\.\d\d' IN '[^']+' AS OF SYSTEM TIME '[^']+' WITH schema_only, verify_backup_table_data, new_db_name = 'crdb_backup_drill_\1_\d{8}t\d{6}', DETACHED$/,
      );
    }
    expect(await drillDatabasesLeft()).toEqual([]);
    expect(drillState()).toMatchObject({ pending: [], newestSuccess: expect.any(String) });
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.drillSucceeded.name]: 2, [METRICS.drillFailed.name]: 0, [METRICS.drillCleanupFailed.name]: 0, RunKind: 'restore-drill' });
    expect(metrics[METRICS.newestDrillAge.name]).toBeLessThan(60);
    expect(metrics).not.toHaveProperty(METRICS.submitted.name);
    expect(summary).toMatchObject({ level: 'INFO', action: 'passed' });
  });

  test("a corrupted SST fails the drill with CockroachDB's message (DrillFailed), and its database is still dropped", async () => {
    await harness.lambda.run('full');
    await harness.damage('corrupt', { table: 'defaultdb.kv' });
    harness.lambda.setEnvironment({ [ENV.drillDatabases]: 'defaultdb' });
    const { error } = await harness.lambda.invoke('restore-drill');
    const { metrics, summary } = published();
    const failed = (summary.drills as BackupResult['drills'])!.ended[0];
    expect(failed).toMatchObject({ database: 'defaultdb', status: 'failed', cleanup: 'dropped' });
    // The double's wording of CockroachDB's restore processor error for a bad SST checksum.
    expect(failed.error).toMatch(/^running restore workers: processing restore span entry: pebble\/table: invalid table \(checksum mismatch at 0\/\d+\)$/);
    expect(error?.message).toContain(failed.error);
    expect(metrics).toMatchObject({ [METRICS.drillFailed.name]: 1, [METRICS.drillSucceeded.name]: 0 });
    expect(summary.level).toBe('ERROR');
    expect(await drillDatabasesLeft()).toEqual([]);
  });

  test('a drill still running at the end of the budget is reported and cleaned up by the next run, through the state parameter', async () => {
    await harness.lambda.run('full');
    harness.lambda.setEnvironment({ [ENV.drillDatabases]: 'defaultdb' });
    harness.double.scriptNextJob({ outcome: 'succeeded', durationMs: 3000 });
    // 5 s before the Lambda timeout leave a budget of 2 s (handler.ts keeps 3 s for the summary).
    const first = record(await harness.lambda.run('restore-drill', 5000));
    expect(first).toMatchObject({ action: 'submitted', kind: 'restore-drill' });
    expect(first.message).toContain('not ended at the end of the time budget; the next run reports how it ends and drops its database');
    expect(drillState().pending).toEqual([expect.objectContaining({ jobId: first.jobId, database: 'defaultdb' })]);
    // A drill is not stacked on one still running, as backups are not.
    const second = record(await harness.lambda.run('restore-drill', 5000));
    expect(second).toMatchObject({ action: 'skipped', submittedJobIds: [] });
    expect(second.message).toMatch(new RegExp(`^restore drill jobs ${first.jobId} \\(defaultdb\\) have not ended: not stacking another drill on them`));
    expect(restoreStatements()).toHaveLength(1);
    await harness.double.whenJobsSettled();

    const next = record(await harness.lambda.run('incremental'));
    expect(next).toMatchObject({ action: 'submitted', kind: 'incremental' });
    expect(next.drills!.ended).toEqual([expect.objectContaining({ jobId: first.jobId, status: 'succeeded', cleanup: 'dropped' })]);
    expect(drillState().pending).toEqual([]);
    expect(await drillDatabasesLeft()).toEqual([]);
    expect(published().metrics).toMatchObject({ [METRICS.drillSucceeded.name]: 1, [METRICS.submitted.name]: 1 });
  });

  test('a paused drill job stays pending and is a problem on every run until a person resumes or cancels it', async () => {
    await harness.lambda.run('full');
    harness.lambda.setEnvironment({ [ENV.drillDatabases]: 'defaultdb' });
    harness.double.scriptNextJob({ outcome: 'paused', jobType: 'RESTORE' });
    const drill = record(await harness.lambda.run('restore-drill', 5000));
    const advice = `restore drill job ${drill.jobId} (defaultdb) is paused: RESUME JOB ${drill.jobId} or CANCEL JOB ${drill.jobId}`;
    expect(drill).toMatchObject({ action: 'submitted', drills: { problems: [advice] } });
    const next = record(await harness.lambda.run('incremental'));
    expect(next.drills).toMatchObject({ ended: [], pending: [expect.objectContaining({ jobId: drill.jobId })], problems: [advice] });
    expect(published().summary.level).toBe('ERROR');
  });

  test('a missing RESTORE privilege fails the drill with the GRANT that fixes it', async () => {
    await harness.lambda.run('full');
    harness.double.revoke(BACKUP_USER.name, 'RESTORE');
    const { error } = await harness.lambda.invoke('restore-drill');
    expect(error?.message).toContain('run GRANT SYSTEM RESTORE TO backup');
    expect(published().metrics).toMatchObject({ [METRICS.drillFailed.name]: 2 });
  });
});

describe('restore drills without revision history', () => {
  withHarness('26.3', { [ENV.revisionHistory]: 'false' });

  test("restore the chain's newest layer at its exact end, planned once: no AS OF SYSTEM TIME, which SHOW BACKUP's microseconds could never match", async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    await harness.lambda.run('incremental');
    const ends = (await asRoot(harness.double, `SHOW BACKUP FROM LATEST IN '${collectionUri()}'`)).map((row) => parseSqlTimestamp(row.end_time as Date | string).getTime());
    const result = record(await harness.lambda.run('restore-drill'));
    expect(result.action).toBe('passed');
    // One RESTORE per database (defaultdb, postgres): none refused and sent again.
    expect(restoreStatements()).toHaveLength(2);
    for (const statement of restoreStatements()) expect(statement).not.toContain('AS OF SYSTEM TIME');
    expect(result.drills!.ended.every((drill) => Date.parse(drill.asOf) === Math.max(...ends))).toBe(true);
  });
});

describe('restore drill leftovers', () => {
  const left = 'crdb_backup_drill_defaultdb_20261101t000000';
  const foreign = 'crdb_backup_drill_postgres_20261101t000000';
  withHarness('26.3', {}, [
    { name: 'defaultdb', tables: ['kv'] },
    { name: 'postgres', tables: [] },
    { name: left, tables: ['kv'], owner: BACKUP_USER.name },
    { name: foreign, tables: [], owner: 'root' },
  ]);

  test('drops what an earlier drill left behind, and reports a database it cannot drop by name (DrillCleanupFailed)', async () => {
    await harness.lambda.run('full');
    harness.lambda.setEnvironment({ [ENV.drillDatabases]: 'defaultdb' });
    const { error } = await harness.lambda.invoke('restore-drill');
    expect(await drillDatabasesLeft()).toEqual([foreign]);
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.drillCleanupFailed.name]: 1, [METRICS.drillSucceeded.name]: 1 });
    expect(summary.level).toBe('ERROR');
    expect((summary.drills as BackupResult['drills'])!.cleanupFailures).toEqual([expect.stringContaining(`the drill database ${foreign} was not dropped (`)]);
    expect(error).toBeUndefined();
  });
});

describe('the drill state in every run', () => {
  withHarness('26.3');

  test("every run emits NewestDrillAgeSeconds, before any drill counted from the parameter's creation", async () => {
    harness.createParameter(PARAMETER, '{}', new Date(Date.now() - 3600_000));
    const result = record(await harness.lambda.run('full'));
    expect(result.drills).toMatchObject({ ended: [], pending: [], problems: [] });
    const age = published().metrics[METRICS.newestDrillAge.name] as number;
    expect(age).toBeGreaterThanOrEqual(3600);
    expect(age).toBeLessThan(3660);
    // Nothing changed, so nothing was written: LastModifiedDate still marks the creation (a
    // later write records it as `since`, see drill-state.test.ts).
    expect(harness.parameters.get(PARAMETER)?.value).toBe('{}');
    await harness.lambda.run('check-files');
    expect(published().metrics[METRICS.newestDrillAge.name]).toBeGreaterThanOrEqual(3600);
  });

  test('a backup run still succeeds when the state cannot be read, and says so at ERROR without an age', async () => {
    harness.parameters.delete(PARAMETER);
    const result = record(await harness.lambda.run('full'));
    expect(result).toMatchObject({ action: 'submitted', status: 'succeeded' });
    expect(result.drills!.problems).toEqual([expect.stringMatching(new RegExp(`^reading the drill state from SSM parameter ${PARAMETER} failed: `))]);
    const { metrics, summary } = published();
    expect(metrics).not.toHaveProperty(METRICS.newestDrillAge.name);
    expect(summary.level).toBe('ERROR');
  });
});
