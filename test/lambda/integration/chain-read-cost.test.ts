import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const TABLES = 60;

/**
 * The chain read's cost does not grow with the number of tables (issue 21, item 8): every run
 * reads the chain, and SHOW BACKUP returns one row per object per layer. The cluster filters
 * them to the databases' rows (SELECT ... FROM [SHOW BACKUP ...]), so the Lambda receives
 * layers × databases rows. bench/chain-read.ts measures 1,000 tables × 48 layers.
 */
describe('reading the chain on every run', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await Harness.start({
      databases: [
        { name: 'defaultdb', tables: Array.from({ length: TABLES }, (_, i) => `t${i}`) },
        { name: 'shop', tables: ['orders'] },
      ],
    });
  });
  afterAll(async () => {
    await harness.stop();
  });

  test('receives one row per database per layer, whatever the number of tables', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    harness.double.clearStatements();
    expect(await harness.lambda.run('incremental')).toMatchObject({ status: 'succeeded', chainLength: 2 });
    const reads = harness.double.statements.filter((s) => s.text.includes('SHOW BACKUP'));
    expect(reads).toHaveLength(1);
    // Two layers before this run's own, three databases each (system, defaultdb, shop).
    expect(reads[0].rowsSent).toBe(2 * 3);
  });
});
