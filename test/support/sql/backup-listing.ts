import { Cluster } from '../cluster';
import { SYSTEM_DATABASE } from '../schema';
import { Session, USE_BACKUPS_WITH_IDS } from '../session';
import { VersionFacts } from '../versions';
import { Column, TypeOid } from '../wire/backend-messages';
import { checkBackupFiles } from './check-files';
import { Layer, layerPath, readChain, storageLocation, withStore } from './collection-reads';
import { Cursor } from './cursor';
import { SqlError } from './sql-error';
import { ResultSet, Value, rowsResult } from './values';
import { parseHlcDecimal, showMicros } from '../hlc';


/** SHOW BACKUPS IN: one column, one row per full backup (pkg/backup/show.go, showBackupsInCollectionPlanHook). */
const SHOW_BACKUPS_COLUMNS: readonly Column[] = [{ name: 'path', type: TypeOid.TEXT }];

/**
 * SHOW BACKUPS IN with use_backups_with_ids on (26.2+, docs/cockroachdb-behaviour.md section 3):
 * one row per backup (every layer), `id` and `backup_time` (whole seconds, as CockroachDB's
 * roachtests read it) instead of `path`. The id's form and the optional revision_start_time
 * column are *unconfirmed*: the double shows neither beyond an opaque id.
 */
const SHOW_BACKUPS_WITH_IDS_COLUMNS: readonly Column[] = [
  { name: 'id', type: TypeOid.TEXT },
  { name: 'backup_time', type: TypeOid.TIMESTAMPTZ },
];

function backupsWithIds(session: Session): boolean {
  return session.settings.get(USE_BACKUPS_WITH_IDS) === 'on';
}

/**
 * SHOW BACKUP's default columns (pkg/backup/show.go, backupShowerHeaders); start_time and
 * end_time are TIMESTAMP up to 23.1 and TIMESTAMPTZ from 23.2 (VersionFacts); check_files
 * appends file_bytes.
 */
function showBackupColumns(facts: VersionFacts, checkFiles: boolean): readonly Column[] {
  const time = facts.showBackupTimestampsWithZone ? TypeOid.TIMESTAMPTZ : TypeOid.TIMESTAMP;
  return [
    { name: 'database_name', type: TypeOid.TEXT },
    { name: 'parent_schema_name', type: TypeOid.TEXT },
    { name: 'object_name', type: TypeOid.TEXT },
    { name: 'object_type', type: TypeOid.TEXT },
    { name: 'backup_type', type: TypeOid.TEXT },
    { name: 'start_time', type: time },
    { name: 'end_time', type: time },
    { name: 'size_bytes', type: TypeOid.INT8 },
    { name: 'rows', type: TypeOid.INT8 },
    { name: 'is_full_cluster', type: TypeOid.BOOL },
    { name: 'regions', type: TypeOid.TEXT },
    ...(checkFiles ? [{ name: 'file_bytes', type: TypeOid.INT8 }] : []),
  ];
}

export async function showBackups(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('SHOW');
  if (cursor.acceptWord('BACKUPS')) {
    cursor.expectWord('IN');
    const uri = cursor.stringOrPlaceholder();
    cursor.expectEnd();
    if (backupsWithIds(session)) {
      const layers = await withStore(storageLocation(uri, session, cluster), async (store) => (await Promise.all((await store.fullBackups()).map((full) => readChain(store, full)))).flat());
      return rowsResult(
        SHOW_BACKUPS_WITH_IDS_COLUMNS,
        layers.map((layer) => [Buffer.from(layer.directory).toString('hex').slice(-16), new Date(Math.floor(Date.parse(layer.manifest.endTime) / 1000) * 1000)]),
      );
    }
    const paths = await withStore(storageLocation(uri, session, cluster), (store) => store.fullBackups());
    return rowsResult(SHOW_BACKUPS_COLUMNS, paths.map((p) => [p]));
  }
  cursor.expectWord('BACKUP', 'FROM');
  const latest = cursor.acceptWord('LATEST');
  const named = latest ? undefined : cursor.stringOrPlaceholder();
  cursor.expectWord('IN');
  const uri = cursor.stringOrPlaceholder();
  const checkFiles = cursor.acceptWord('WITH') && (cursor.expectWord('CHECK_FILES'), true);
  cursor.expectEnd();
  const { chain, fileSizes } = await withStore(storageLocation(uri, session, cluster), async (store) => {
    const layers = await readChain(store, latest ? undefined : named).catch((error: unknown) => {
      // pkg/backup/show.go wraps ReadLatestFile's error (RESTORE does not).
      if (latest && error instanceof SqlError) throw new SqlError(error.code, `read LATEST path: ${error.message}`);
      throw error;
    });
    // use_backups_with_ids on: LATEST is the newest backup alone, not its chain.
    const shown = latest && backupsWithIds(session) ? layers.slice(-1) : layers;
    return { chain: shown, fileSizes: checkFiles ? await checkBackupFiles(store, shown, uri, cluster, session.statement) : undefined };
  });
  const withZone = cluster.facts.showBackupTimestampsWithZone;
  const rows = chain.flatMap((layer) => objectRows(layer, fileSizes, withZone));
  return rowsResult(showBackupColumns(cluster.facts, checkFiles), rows);
}

/**
 * One row per object per layer (pkg/backup/show.go, backupShowerDefault): a database row
 * (database_name NULL), its `public` schema (the system database's is not a descriptor),
 * then its tables with size_bytes, rows and, WITH check_files, file_bytes: the sizes in
 * storage of the table's files. Databases and schemas have NULL sizes.
 */
function objectRows(layer: Layer, fileSizes: ReadonlyMap<string, number> | undefined, withZone: boolean): Value[][] {
  const m = layer.manifest;
  // The exact times printed as pgwire prints them: to the microsecond, truncated (hlc.ts).
  const time = (decimal: string | null): Value => (decimal === null ? null : showMicros(parseHlcDecimal(decimal)!, withZone));
  const times: Value[] = [m.kind, time(m.startHlc), time(m.endHlc)];
  const row = (database: string | null, schema: string | null, name: string, type: string, size: Value, rows: Value, fileBytes: Value): Value[] => [
    database,
    schema,
    name,
    type,
    ...times,
    size,
    rows,
    true,
    null,
    ...(fileSizes === undefined ? [] : [fileBytes]),
  ];
  return m.databases.flatMap((database) => [
    row(null, null, database.name, 'database', null, null, null),
    ...(database.name === SYSTEM_DATABASE.name ? [] : [row(database.name, null, 'public', 'schema', null, null, null)]),
    ...database.tables.map((table) => {
      const fileBytes = table.files.reduce((sum, file) => sum + (fileSizes?.get(layerPath(layer, file.path)) ?? 0), 0);
      return row(database.name, 'public', table.name, 'table', BigInt(table.sizeBytes), BigInt(table.rows), BigInt(fileBytes));
    }),
  ]);
}


