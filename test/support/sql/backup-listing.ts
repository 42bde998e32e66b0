import path from 'path';
import { Cluster } from '../cluster';
import { NO_LATEST_BACKUP } from '../jobs/backup-work';
import { SYSTEM_DATABASE } from '../schema';
import { Session } from '../session';
import { layerFiles } from '../storage/backup-manifest';
import { BackupManifest, CollectionStore, StorageError } from '../storage/collection-store';
import { S3Location, parseStorageUri } from '../storage/storage-uri';
import { VersionFacts } from '../versions';
import { Column, TypeOid } from '../wire/backend-messages';
import { Cursor } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { checkStoragePrivileges } from './storage-privileges';
import { ResultSet, Value, rowsResult } from './values';

/** SHOW BACKUPS IN: one column, one row per full backup (pkg/backup/show.go, showBackupsInCollectionPlanHook). */
const SHOW_BACKUPS_COLUMNS: readonly Column[] = [{ name: 'path', type: TypeOid.TEXT }];

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

/**
 * The collection as the nodes read it. SHOW BACKUP(S) read storage, so they list the
 * backups of every user and need no job privilege, only access to the URI
 * (checkStoragePrivileges: none with explicit keys and no AWS_ENDPOINT).
 */
export function storageLocation(uri: string, session: Session, cluster: Cluster): S3Location {
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

/** Reads with a store for the location; storage failures become statement errors. */
export async function withStore<T>(location: S3Location, read: (store: CollectionStore) => Promise<T>): Promise<T> {
  const store = new CollectionStore(location);
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
    return { chain: layers, fileSizes: checkFiles ? await checkBackupFiles(store, layers, uri, cluster) : undefined };
  });
  const rows = chain.flatMap((layer) => objectRows(layer, fileSizes));
  return rowsResult(showBackupColumns(cluster.facts, checkFiles), rows);
}

/**
 * The chain of a full backup (LATEST when `subdir` is undefined): the full layer, then its
 * incrementals that have a manifest, oldest first. No LATEST or no manifest:
 * backupdest.ReadLatestFile / the manifest read, pgcode.UndefinedFile.
 */
export async function readChain(store: CollectionStore, subdir: string | undefined): Promise<readonly Layer[]> {
  const resolved = subdir ?? (await store.readLatest());
  const full = resolved === undefined ? undefined : await store.readManifest(resolved);
  if (resolved === undefined || full === undefined) {
    throw new SqlError(SqlState.undefinedFile, subdir === undefined ? NO_LATEST_BACKUP : `backup manifest not found in ${subdir}`);
  }
  const chain: Layer[] = [{ directory: resolved, manifest: full }];
  for (const dir of await store.incrementals(resolved.startsWith('/') ? resolved : `/${resolved}`)) {
    const layer = await store.readManifest(dir);
    if (layer !== undefined) chain.push({ directory: dir, manifest: layer });
  }
  return chain;
}

export interface Layer {
  /** Relative to the collection: `/2026/11/30-120000.00` or `incrementals/<full>/<yyyymmdd>/<hhmmss.ff>`. */
  readonly directory: string;
  readonly manifest: BackupManifest;
}

/**
 * One row per object per layer (pkg/backup/show.go, backupShowerDefault): a database row
 * (database_name NULL), its `public` schema (the system database's is not a descriptor),
 * then its tables with size_bytes, rows and, WITH check_files, file_bytes: the sizes in
 * storage of the table's files. Databases and schemas have NULL sizes.
 */
function objectRows(layer: Layer, fileSizes: ReadonlyMap<string, number> | undefined): Value[][] {
  const m = layer.manifest;
  const times: Value[] = [m.kind, m.startTime === null ? null : new Date(m.startTime), new Date(m.endTime)];
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

function layerPath(layer: Layer, file: string): string {
  return `${layer.directory.replace(/^\/+/, '')}/${file}`;
}

/** checkBackupFiles (pkg/backup/show.go): at most this many unreadable files are named. */
const MAX_MISSING_FILES = 10;

/**
 * Whether check_files also lists a file whose size in storage differs from the manifest's.
 * CockroachDB does not: checkBackupFiles only calls ExternalStorage.Size and counts an
 * error as missing (pkg/backup/show.go), so a truncated or corrupted file passes the check
 * and only a restore with verify_backup_table_data finds it. Kept as the one switch.
 */
const CHECK_FILES_COMPARES_SIZES = false;

/**
 * WITH check_files (pkg/backup/show.go, checkBackupFiles): the size of every data file of
 * every layer, read from storage one by one. Unreadable files are named as
 * `path.Join(<layer URI without query>, <file>)` (so `s3://bucket/x` reads `s3:/bucket/x/...`),
 * sorted, under "The following files are missing from the backup:"; at ten the check stops
 * and the prefix becomes "Multiple files cannot be read from the backup including:". The
 * error is errors.Newf: no SQLSTATE (XXUUU).
 * @returns each file's size by its path relative to the collection
 */
async function checkBackupFiles(store: CollectionStore, chain: readonly Layer[], uri: string, cluster: Cluster): Promise<ReadonlyMap<string, number>> {
  const sizes = new Map<string, number>();
  const missing = new Set<string>();
  const collection = uri.split('?')[0];
  for (const layer of chain) {
    for (const file of layerFiles(layer.manifest)) {
      if (cluster.environment.checkFilesDelayMs > 0) await cluster.environment.sleep(cluster.environment.checkFilesDelayMs);
      const size = await store.size(`${layer.directory}/${file.path}`);
      if (size !== undefined && (!CHECK_FILES_COMPARES_SIZES || size === file.sizeBytes)) {
        sizes.set(layerPath(layer, file.path), size);
        continue;
      }
      missing.add(path.posix.join(`${collection}/${layer.directory}`, file.path));
      if (missing.size === MAX_MISSING_FILES) break;
    }
    if (missing.size === MAX_MISSING_FILES) break;
  }
  if (missing.size > 0) {
    const prefix = missing.size === MAX_MISSING_FILES ? 'Multiple files cannot be read from the backup including:' : 'The following files are missing from the backup:';
    throw new SqlError(SqlState.uncategorized, `${prefix}\n\t${[...missing].sort().join('\n\t')}`);
  }
  return sizes;
}
