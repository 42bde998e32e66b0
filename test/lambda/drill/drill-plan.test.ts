import { drillDatabaseName, drillDatabases, drillPointInTime, drillRunTag, exactLayerEnd, isDrillDatabase } from '../../../lambda/backup/drill/drill-plan';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const at = (hour: number, minute = 0): Date => new Date(Date.UTC(2026, 10, 30, hour, minute));
const chain = (...hours: number[]) => ({ layerEnds: hours.map((h) => at(h)) });

describe('drillPointInTime', () => {
  test('with revision history, takes the midpoint between the full backup and the newest layer', () => {
    expect(drillPointInTime(chain(0, 1, 2, 3), true)).toEqual(at(1, 30));
  });

  test("without revision history, takes a layer's end time: the middle layer's", () => {
    expect(drillPointInTime(chain(0, 1, 2, 3, 4), false)).toEqual(at(2));
    expect(drillPointInTime(chain(0, 1, 2, 3), false)).toEqual(at(2));
  });

  test('without revision history, never picks a time between layers', () => {
    const ends = chain(0, 1, 2, 3, 4, 5);
    expect(ends.layerEnds).toContainEqual(drillPointInTime(ends, false));
  });

  test("takes a chain of a full backup alone at its end time, with or without revision history", () => {
    expect(drillPointInTime(chain(7), true)).toEqual(at(7));
    expect(drillPointInTime(chain(7), false)).toEqual(at(7));
  });
});

describe('drillDatabaseName', () => {
  const tag = drillRunTag(new Date('2026-11-30T13:30:05.123Z'));

  test('is the prefix, the database and the run tag', () => {
    expect(tag).toBe('20261130t133005');
    expect(drillDatabaseName('movr', tag, new Set())).toBe('crdb_backup_drill_movr_20261130t133005');
  });

  test('reduces any database name to a plain identifier', () => {
    expect(drillDatabaseName('Sales-EU "2026"', tag, new Set())).toBe('crdb_backup_drill_sales_eu_2026__20261130t133005');
  });

  test('adds a suffix when the name is taken, by a user or by this run', () => {
    const taken = new Set(['crdb_backup_drill_movr_20261130t133005', 'crdb_backup_drill_movr_20261130t133005_2']);
    expect(drillDatabaseName('movr', tag, taken)).toBe('crdb_backup_drill_movr_20261130t133005_3');
  });

  test('names only drill databases as such', () => {
    expect(isDrillDatabase(drillDatabaseName('movr', tag, new Set()))).toBe(true);
    expect(isDrillDatabase('movr')).toBe(false);
  });
});

describe('drillDatabases', () => {
  const stored = { databases: ['bank', 'defaultdb', 'movr'] };

  test("takes every database of the chain when DRILL_DATABASES is empty", () => {
    expect(drillDatabases(stored, [])).toEqual({ databases: ['bank', 'defaultdb', 'movr'], absent: [] });
  });

  test('leaves out the databases of a drill that a backup caught while it ran', () => {
    expect(drillDatabases({ databases: ['crdb_backup_drill_movr_20261130t120000', 'movr'] }, []).databases).toEqual(['movr']);
  });

  test('narrows to DRILL_DATABASES and names those the backup does not hold', () => {
    expect(drillDatabases(stored, ['movr', 'shop'])).toEqual({ databases: ['movr'], absent: ['shop'] });
  });
});

describe('exactLayerEnd', () => {
  const prefix = "invalid RESTORE timestamp: restoring to arbitrary time requires that BACKUP for requested time be created with 'revision_history' option.";

  test("reads the covering layer's end, to the nanosecond, from CockroachDB's refusal of a time between layers", () => {
    const message = `the restore drill of movr failed: XXUUU: ${prefix} nearest BACKUP times are 2022-05-24 15:26:39.136487236 +0000 UTC or 2022-05-24 15:37:08.437249624 +0000 UTC`;
    expect(exactLayerEnd(message)).toEqual({ wallNanos: BigInt(Date.UTC(2022, 4, 24, 15, 37, 8)) * 1_000_000n + 437_249_624n });
  });

  test("reads the full backup's end when the chain has no earlier layer, and pads a short fraction", () => {
    expect(exactLayerEnd(`${prefix} nearest backup time is 2026-11-30 12:00:00.5 +0000 UTC`)).toEqual({
      wallNanos: BigInt(Date.UTC(2026, 10, 30, 12)) * 1_000_000n + 500_000_000n,
    });
  });

  test('is undefined for any other refusal', () => {
    expect(exactLayerEnd('invalid RESTORE timestamp: supplied backups do not cover requested time')).toBeUndefined();
  });
});
