/** How SHOW BACKUP(S) and RESTORE reach and read a collection while the statement runs. */
import { Cluster } from '../cluster';
import { NO_LATEST_BACKUP } from '../jobs/backup-work';
import { Session } from '../session';
import { BackupManifest, CollectionStore, StorageError } from '../storage/collection-store';
import { S3Location, parseStorageUri } from '../storage/storage-uri';
import { SqlError, SqlState } from './sql-error';
import { checkStoragePrivileges } from './storage-privileges';

/**
 * The collection as the nodes read it. SHOW BACKUP(S) and RESTORE read storage, so they see
 * the backups of every user and need no job privilege, only access to the URI
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

/**
 * The chain of a full backup (LATEST when `subdir` is undefined): the full layer, then its
 * incrementals that have a manifest, oldest first. No LATEST: backupdest.ReadLatestFile's
 * error, pgcode.UndefinedFile. A named subdirectory without a manifest: the wording is
 * *unconfirmed* (CockroachDB reports the failed manifest read).
 */
export async function readChain(store: ChainSource, subdir: string | undefined): Promise<readonly Layer[]> {
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

/**
 * What reading a chain needs of storage: the S3-backed store, or the object-level model of a
 * collection that the retention simulation ages day by day (test/support/storage/lifecycle-bucket.ts).
 */
export type ChainSource = Pick<CollectionStore, 'readLatest' | 'readManifest' | 'incrementals'>;

export interface Layer {
  /** Relative to the collection: `/2026/11/30-120000.00` or `incrementals/<full>/<yyyymmdd>/<hhmmss.ff>`. */
  readonly directory: string;
  readonly manifest: BackupManifest;
}

/** A file of a layer, relative to the collection (the key under its prefix). */
export function layerPath(layer: Layer, file: string): string {
  return `${layer.directory.replace(/^\/+/, '')}/${file}`;
}
