import { ENV } from '../../../contract/environment';
import { METRICS } from '../../../contract/metrics';
import { parseDrillState } from '../../../lambda/backup/drill/drill-state';
import { BackupResult } from '../../../lambda/backup/report/result';
import { SUPPORTED_VERSIONS, atLeast } from '../../support/versions';
import { deleteLayerMetadataFile } from '../../support/storage-faults';
import { ACCESS_KEY, asRoot, BACKUP_USER, BUCKET, COLLECTION, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

const PARAMETER = '/cockroach-backup/prod/drill-state';

function record(result: BackupResult): BackupResult {
  guard.inspect(result);
  return result;
}

/** The last embedded-metric document the handler wrote. */
function lastMetrics(): Record<string, unknown> {
  return guard.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l._aws !== undefined).pop()!;
}

/**
 * One lifecycle per supported release (issue 21), against a double as strict as CockroachDB
 * where the Lambda once differed from it: a database created and another dropped in the middle
 * of the chain, an operator's full backup completing between a drill's read of the chain and
 * its RESTORE (LATEST moves), a layer whose metadata file is gone, and from 26.2
 * use_backups_with_ids turned on for the Lambda's user (a role default). No false alarm, no
 * missed problem.
 */
describe.each(SUPPORTED_VERSIONS)('on CockroachDB %s, the chain as storage holds it', (version) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start({
      version,
      databases: [
        { name: 'defaultdb', tables: ['kv'] },
        { name: 'dropped_mid', tables: ['t'] },
      ],
      environment: { [ENV.drillStateParameter]: PARAMETER },
    });
    harness.createParameter(PARAMETER);
    harness.double.grant(BACKUP_USER.name, 'RESTORE');
    if (atLeast(version, '26.2')) harness.double.alterRoleSet(BACKUP_USER.name, 'use_backups_with_ids', 'on');
  });
  afterAll(async () => {
    await harness.stop();
  });

  test('counts every layer of the chain, whatever the role defaults (use_backups_with_ids from 26.2)', async () => {
    expect(record(await harness.lambda.run('full'))).toMatchObject({ status: 'succeeded', chainLength: 0 });
    harness.double.createDatabase({ name: 'created_mid', tables: ['t'] });
    await asRoot(harness.double, 'DROP DATABASE dropped_mid CASCADE');
    expect(record(await harness.lambda.run('incremental'))).toMatchObject({ status: 'succeeded', chainLength: 1 });
    expect(record(await harness.lambda.run('incremental'))).toMatchObject({ status: 'succeeded', chainLength: 2 });
  });

  /** A drill run that must pass: every drill job succeeded and its database was dropped. */
  async function passingDrill(): Promise<string[]> {
    const drill = record(await harness.lambda.run('restore-drill'));
    expect(drill.message).not.toContain('failed');
    expect(drill.action).toBe('passed');
    expect(drill.drills!.ended.every((ended) => ended.status === 'succeeded' && ended.cleanup === 'dropped')).toBe(true);
    expect(parseDrillState(harness.parameters.get(PARAMETER)?.value).state.pending).toEqual([]);
    return drill.drills!.ended.map((ended) => ended.database);
  }

  test('drills the databases that exist at its point in the chain, not one dropped before it (item 1)', async () => {
    const restored = await passingDrill();
    expect(restored).toContain('defaultdb');
    expect(restored).not.toContain('dropped_mid');
  });

  test('drills the chain it read, though an operator\'s full backup completes between its read and its RESTORE (item 2)', async () => {
    // The full backup (without revision history, as operators take them) lands just before the drill's first RESTORE: LATEST moves.
    harness.double.beforeNextStatement(/^RESTORE/, async () => {
      await asRoot(harness.double, `BACKUP INTO '${collectionUri()}' AS OF SYSTEM TIME '-1s' WITH DETACHED`);
      await harness.double.whenJobsSettled();
    });
    expect(await passingDrill()).toContain('defaultdb');
    expect(harness.double.statements.filter((s) => s.text.startsWith('RESTORE')).every((s) => !s.text.includes('FROM LATEST'))).toBe(true);
  });

  test('finds a missing metadata file as a missing file, named without the URI query that carries the key', async () => {
    expect(record(await harness.lambda.run('check-files'))).toMatchObject({ action: 'passed' });
    const deleted = await deleteLayerMetadataFile({ endpoint: harness.s3.endpoint, bucket: BUCKET, prefix: COLLECTION, credentials: ACCESS_KEY }, 'BACKUP_MANIFEST-CHECKSUM');
    const { result, error } = await harness.lambda.invoke('check-files');
    expect(error?.message).toContain('a metadata file is missing from storage');
    expect(result).toBeUndefined();
    expect(lastMetrics()).toMatchObject({ [METRICS.filesMissing.name]: 1, [METRICS.filesNotChecked.name]: 0 });
    const logged = guard.lines.filter((line) => line.includes(deleted.split('/').slice(-2).join('/'))).pop() ?? '';
    expect(logged).toContain(`s3://${BUCKET}/${deleted}`);
    expect(logged).not.toContain('AWS_ACCESS_KEY_ID');
  });
});
