import { ENV } from '../../../contract/environment';
import { BackupResult } from '../../../lambda/backup/report/result';
import { chainNameTime } from '../../../lambda/backup/observe/chain-names';
import { asRoot, BACKUP_USER, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();
const PARAMETER = '/cockroach-backup/prod/drill-state';

let harness: Harness;
beforeEach(async () => {
  harness = await Harness.start({ environment: { [ENV.drillStateParameter]: PARAMETER } });
  harness.createParameter(PARAMETER);
  harness.double.grant(BACKUP_USER.name, 'RESTORE');
});
afterEach(async () => {
  await harness.stop();
});

function record(result: BackupResult): BackupResult {
  guard.inspect(result);
  return result;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('restore drills of the oldest point in the retention window', () => {
  test('restore the older chain by name, as of the window start, and pass', async () => {
    // Chain A: a full backup, and 3 seconds later an incremental; then chain B.
    await harness.lambda.run('full');
    await pause(3000);
    await harness.lambda.run('incremental');
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    const paths = (await asRoot(harness.double, `SHOW BACKUPS IN '${collectionUri()}'`)).map((row) => String(row.path)).sort();
    expect(paths).toHaveLength(2);
    const olderEnd = chainNameTime(paths[0])!.getTime();
    // A window that starts 1.5 s after chain A's full backup: inside chain A, before chain B.
    const retentionSeconds = Math.ceil((Date.now() - (olderEnd + 1500)) / 1000);
    const lambda = harness.deploy(harness.double, { [ENV.drillStateParameter]: PARAMETER, [ENV.retentionSeconds]: String(retentionSeconds), [ENV.drillOldestInWindow]: 'true' });
    const before = harness.double.statements.length;
    const result = record(await lambda.run('restore-drill'));

    expect(result).toMatchObject({ action: 'passed', kind: 'restore-drill' });
    expect(result.drills!.ended.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(result.message).toContain(`the oldest point in the window`);
    const sent = harness.double.statements.slice(before).map((s) => s.text);
    const restores = sent.filter((text) => text.startsWith('RESTORE'));
    expect(restores).toHaveLength(2);
    for (const statement of restores) expect(statement).toContain(`FROM '${paths[0]}' IN`);
    const asOf = new Date(`${/AS OF SYSTEM TIME '([^']+)'/.exec(restores[0])![1].replace(' ', 'T').replace(/000\+00:00$/, 'Z')}`).getTime();
    expect(asOf).toBeGreaterThan(olderEnd);
    expect(asOf).toBeLessThan(chainNameTime(paths[1])!.getTime());
    // As a drill of the newest chain: SHOW BACKUPS IN, then the chain read of the named (older) chain.
    expect(sent.filter((text) => text.startsWith('SHOW BACKUPS IN'))).toHaveLength(1);
    expect(sent.filter((text) => text.includes(`[SHOW BACKUP FROM '${paths[0]}'`))).toHaveLength(1);
  });
});
