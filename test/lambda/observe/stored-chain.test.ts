import { buildChainRead, chainFromLayers } from '../../../lambda/backup/observe/stored-chain';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

/** The chain read's rows of one layer: one per database, times as TIMESTAMP text. */
function layer(endTime: string, databases = ['system', 'defaultdb', 'movr']): { object_name: string; end_time: string }[] {
  return databases.map((name) => ({ object_name: name, end_time: endTime }));
}

describe('chainFromLayers', () => {
  test('counts the distinct end times minus one as the chain length and finds the newest end', () => {
    const rows = [...layer('2026-11-24 00:00:00.000000'), ...layer('2026-11-24 01:00:00.000000'), ...layer('2026-11-24 02:00:00.500000')];
    expect(chainFromLayers(rows)).toMatchObject({
      fullEnd: new Date('2026-11-24T00:00:00Z'),
      newestEnd: new Date('2026-11-24T02:00:00.500Z'),
      incrementals: 2,
      layerEnds: [new Date('2026-11-24T00:00:00Z'), new Date('2026-11-24T01:00:00Z'), new Date('2026-11-24T02:00:00.500Z')],
    });
  });

  test('gives a chain of a full backup alone zero incrementals', () => {
    expect(chainFromLayers(layer('2026-11-24 00:00:00'))?.incrementals).toBe(0);
  });

  test('reads rows in any order', () => {
    const rows = [...layer('2026-11-24 01:00:00'), ...layer('2026-11-24 00:00:00')];
    expect(chainFromLayers(rows)?.fullEnd).toEqual(new Date('2026-11-24T00:00:00Z'));
  });

  test("keeps each layer's own databases, without system: a database created or dropped in the chain is in some layers only", () => {
    const rows = [...layer('2026-11-24 00:00:00', ['system', 'dropped', 'movr']), ...layer('2026-11-24 01:00:00', ['system', 'created', 'movr'])];
    expect(chainFromLayers(rows)?.layers).toEqual([
      { end: new Date('2026-11-24T00:00:00Z'), databases: ['dropped', 'movr'] },
      { end: new Date('2026-11-24T01:00:00Z'), databases: ['created', 'movr'] },
    ]);
  });

  test('takes no rows for no completed full backup', () => {
    expect(chainFromLayers([])).toBeUndefined();
  });
});

describe('buildChainRead', () => {
  test("filters SHOW BACKUP to the databases' rows inside the cluster, for LATEST or a named chain", () => {
    expect(buildChainRead("s3://b/c?K='x'")).toBe(`SELECT object_name, end_time FROM [SHOW BACKUP FROM LATEST IN 's3://b/c?K=''x'''] WHERE object_type = 'database'`);
    expect(buildChainRead('external://prod', '/2026/11/29-235950.00')).toBe(
      "SELECT object_name, end_time FROM [SHOW BACKUP FROM '/2026/11/29-235950.00' IN 'external://prod'] WHERE object_type = 'database'",
    );
  });
});
