import { Cluster } from '../cluster';
import { NO_LATEST_BACKUP } from '../jobs/backup-work';
import { Session } from '../session';
import { BackupManifest, CollectionStore, StorageError } from '../storage/collection-store';
import { S3Location, parseStorageUri } from '../storage/storage-uri';
import { Column, TypeOid } from '../wire/backend-messages';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { checkStoragePrivileges } from './storage-privileges';
import { ResultSet, Value, rowsResult } from './values';

/** SHOW BACKUPS IN: one column, one row per full backup (pkg/backup/show.go, showBackupsInCollectionPlanHook). */
const SHOW_BACKUPS_COLUMNS: readonly Column[] = [{ name: 'path', type: TypeOid.TEXT }];

/** SHOW BACKUP's default columns (pkg/backup/show.go, backupShower.header); times are TIMESTAMP; check_files appends file_bytes. */
const SHOW_BACKUP_COLUMNS: readonly Column[] = [
  { name: 'database_name', type: TypeOid.TEXT },
  { name: 'parent_schema_name', type: TypeOid.TEXT },
  { name: 'object_name', type: TypeOid.TEXT },
  { name: 'object_type', type: TypeOid.TEXT },
  { name: 'backup_type', type: TypeOid.TEXT },
  { name: 'start_time', type: TypeOid.TIMESTAMP },
  { name: 'end_time', type: TypeOid.TIMESTAMP },
  { name: 'size_bytes', type: TypeOid.INT8 },
  { name: 'rows', type: TypeOid.INT8 },
  { name: 'is_full_cluster', type: TypeOid.BOOL },
  { name: 'regions', type: TypeOid.TEXT },
];

/**
 * The collection as the nodes read it. SHOW BACKUP(S) read storage, so they list the
 * backups of every user and need no job privilege, only access to the URI
 * (checkStoragePrivileges: none with explicit keys and no AWS_ENDPOINT).
 */
function location(uri: string, session: Session, cluster: Cluster): S3Location {
  const parsed = parseStorageUri(uri);
  if (parsed.scheme === 's3') {
    checkStoragePrivileges(parsed, session, cluster);
    return cluster.nodeLocation(parsed.location);
  }
  const connection = cluster.connections.get(parsed.connection);
  if (connection === undefined) throw new SqlError(SqlState.undefinedObject, `external connection with name ${parsed.connection} does not exist`);
  checkStoragePrivileges(parsed, session, cluster);
  const stored = parseStorageUri(connection.uri);
  if (stored.scheme !== 's3') throw new SqlError(SqlState.featureNotSupported, 'nested external connection');
  return cluster.nodeLocation(stored.location);
}

async function withStore<T>(uri: string, session: Session, cluster: Cluster, read: (store: CollectionStore) => Promise<T>): Promise<T> {
  const store = new CollectionStore(location(uri, session, cluster));
  try {
    return await read(store);
  } catch (error) {
    if (error instanceof StorageError) throw new SqlError(SqlState.uncategorized, error.message);
    throw error;
  } finally {
    store.close();
  }
}

export async function showBackups(cursor: Cursor, session: Session, cluster: Cluster): Promise<ResultSet> {
  cursor.expectWord('SHOW');
  if (cursor.acceptWord('BACKUPS')) {
    cursor.expectWord('IN');
    const uri = cursor.stringOrPlaceholder();
    cursor.expectEnd();
    const paths = await withStore(uri, session, cluster, (store) => store.fullBackups());
    return rowsResult(SHOW_BACKUPS_COLUMNS, paths.map((p) => [p]));
  }
  cursor.expectWord('BACKUP', 'FROM');
  const latest = cursor.acceptWord('LATEST');
  const named = latest ? undefined : cursor.stringOrPlaceholder();
  cursor.expectWord('IN');
  const uri = cursor.stringOrPlaceholder();
  const checkFiles = cursor.acceptWord('WITH') && (cursor.expectWord('CHECK_FILES'), true);
  cursor.expectEnd();
  const layers = await withStore(uri, session, cluster, async (store) => {
    const subdir = latest ? await store.readLatest() : named;
    const full = subdir === undefined ? undefined : await store.readManifest(subdir);
    if (subdir === undefined || full === undefined) {
      // backupdest.ReadLatestFile / the manifest read: pgcode.UndefinedFile.
      throw new SqlError(SqlState.undefinedFile, latest ? NO_LATEST_BACKUP : `backup manifest not found in ${subdir}`);
    }
    const chain: Layer[] = [{ directory: subdir, manifest: full }];
    for (const dir of await store.incrementals(subdir.startsWith('/') ? subdir : `/${subdir}`)) {
      const layer = await store.readManifest(dir);
      if (layer !== undefined) chain.push({ directory: dir, manifest: layer });
    }
    if (checkFiles) await checkDataFiles(store, chain);
    return chain;
  });
  // One object per layer: the double backs up no real schema, only the layers matter.
  const rows = layers.map(({ manifest: m }): Value[] => [
    'defaultdb',
    null,
    'defaultdb',
    'database',
    m.kind,
    m.startTime === null ? null : new Date(m.startTime),
    new Date(m.endTime),
    BigInt(m.sizeBytes),
    BigInt(m.rows),
    true,
    null,
    ...(checkFiles ? [BigInt(m.sizeBytes)] : []),
  ]);
  return rowsResult(checkFiles ? [...SHOW_BACKUP_COLUMNS, { name: 'file_bytes', type: TypeOid.INT8 }] : SHOW_BACKUP_COLUMNS, rows);
}

interface Layer {
  readonly directory: string;
  readonly manifest: BackupManifest;
}

/**
 * WITH check_files: every data file of every layer must exist (pkg/backup/show.go,
 * checkBackupFiles); CockroachDB compares sizes, the double only existence.
 */
async function checkDataFiles(store: CollectionStore, chain: readonly Layer[]): Promise<void> {
  const missing: string[] = [];
  for (const { directory } of chain) {
    const dataFile = `${directory.replace(/^\/+/, '')}/data/1.sst`;
    if (!(await store.list(`${directory}/data`)).includes(dataFile)) missing.push(dataFile);
  }
  if (missing.length > 0) {
    throw new SqlError(SqlState.undefinedFile, `The following files are missing from the backup:\n\t${missing.join('\n\t')}`);
  }
}
