import { drillDatabaseName, drillDatabases, drillPoint, drillRunTag, isDrillDatabase } from '../../../lambda/backup/drill/drill-plan';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const at = (hour: number, minute = 0): Date => new Date(Date.UTC(2026, 10, 30, hour, minute));
/** A chain whose layers end at these hours, each listing `databases(hour)`. */
const chain = (hours: number[], databases: (hour: number) => string[] = () => ['movr']) => ({ layers: hours.map((h) => ({ end: at(h), databases: databases(h) })) });

describe('drillPoint', () => {
  test('with revision history, takes the midpoint between the full backup and the newest layer, named as AS OF SYSTEM TIME', () => {
    expect(drillPoint(chain([0, 1, 2, 3]), true)).toEqual({ asOf: at(1, 30), at: at(1, 30), databases: ['movr'] });
  });

  test('without revision history, takes the newest layer without AS OF SYSTEM TIME: its exact end, which SHOW BACKUP cannot print', () => {
    expect(drillPoint(chain([0, 1, 2, 3, 4]), false)).toEqual({ at: at(4), databases: ['movr'] });
  });

  test('takes a chain of a full backup alone at its end without AS OF SYSTEM TIME, with or without revision history', () => {
    expect(drillPoint(chain([7]), true)).toEqual({ at: at(7), databases: ['movr'] });
    expect(drillPoint(chain([7]), false).asOf).toBeUndefined();
  });

  test('at the newest end, restores the databases of the newest layer: not one dropped before it, and one created in the chain', () => {
    const databases = (hour: number) => [...(hour < 2 ? ['dropped'] : []), ...(hour >= 3 ? ['created'] : []), 'movr'];
    expect(drillPoint(chain([0, 1, 2, 3, 4], databases), false).databases).toEqual(['created', 'movr']);
  });

  test('at a midpoint, restores only the databases of both layers around it, which exist at that time', () => {
    // The midpoint 2:00 is covered by the layer ending at 2:00, after the one ending at 1:00.
    const databases = (hour: number) => [...(hour < 2 ? ['dropped'] : []), ...(hour >= 2 ? ['created'] : []), 'movr'];
    expect(drillPoint(chain([0, 1, 2, 3, 4], databases), true)).toEqual({ asOf: at(2), at: at(2), databases: ['movr'] });
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

  test("takes every database at the drill's point when DRILL_DATABASES is empty", () => {
    expect(drillDatabases(stored, [])).toEqual({ databases: ['bank', 'defaultdb', 'movr'], absent: [] });
  });

  test('leaves out the databases of a drill that a backup caught while it ran', () => {
    expect(drillDatabases({ databases: ['crdb_backup_drill_movr_20261130t120000', 'movr'] }, []).databases).toEqual(['movr']);
  });

  test('narrows to DRILL_DATABASES and names those the backup does not hold', () => {
    expect(drillDatabases(stored, ['movr', 'shop'])).toEqual({ databases: ['movr'], absent: ['shop'] });
  });
});
