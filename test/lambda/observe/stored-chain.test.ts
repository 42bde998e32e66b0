import { chainFromLayers } from '../../../lambda/backup/observe/stored-chain';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

/** SHOW BACKUP rows of one layer: one per object (three objects here), times as TIMESTAMP text. */
function layer(backupType: 'full' | 'incremental', endTime: string): { backup_type: string; end_time: string }[] {
  return Array.from({ length: 3 }, () => ({ backup_type: backupType, end_time: endTime }));
}

describe('chainFromLayers', () => {
  test('counts the distinct end times minus one as the chain length and finds the newest end', () => {
    const rows = [
      ...layer('full', '2026-11-24 00:00:00.000000'),
      ...layer('incremental', '2026-11-24 01:00:00.000000'),
      ...layer('incremental', '2026-11-24 02:00:00.500000'),
    ];
    expect(chainFromLayers(rows)).toEqual({
      fullEnd: new Date('2026-11-24T00:00:00Z'),
      newestEnd: new Date('2026-11-24T02:00:00.500Z'),
      incrementals: 2,
      layerEnds: [new Date('2026-11-24T00:00:00Z'), new Date('2026-11-24T01:00:00Z'), new Date('2026-11-24T02:00:00.500Z')],
      databases: [],
    });
  });

  test('gives a chain of a full backup alone zero incrementals', () => {
    expect(chainFromLayers(layer('full', '2026-11-24 00:00:00'))?.incrementals).toBe(0);
  });

  test('reads rows in any order', () => {
    const rows = [...layer('incremental', '2026-11-24 01:00:00'), ...layer('full', '2026-11-24 00:00:00')];
    expect(chainFromLayers(rows)?.fullEnd).toEqual(new Date('2026-11-24T00:00:00Z'));
  });

  test("lists the chain's databases once each, from rows of object_type 'database', without system", () => {
    // As CockroachDB prints them: a database's own row names it in object_name, with a NULL database_name.
    const row = (database: string | null, name: string, objectType: string): object => ({
      backup_type: 'full',
      end_time: '2026-11-24 00:00:00',
      database_name: database,
      object_name: name,
      object_type: objectType,
    });
    const rows = [row(null, 'system', 'database'), row(null, 'movr', 'database'), row(null, 'bank', 'database'), row('bank', 'accounts', 'table'), row('shop', 'orders', 'table'), row(null, 'movr', 'database')];
    expect(chainFromLayers(rows as never)?.databases).toEqual(['bank', 'movr']);
  });

  test('takes no rows for no completed full backup', () => {
    expect(chainFromLayers([])).toBeUndefined();
  });
});
