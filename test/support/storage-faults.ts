import { Layer, readChain } from './sql/collection-reads';
import { S3Credentials } from './aws/s3-server';
import { MANIFEST_CHECKSUM, STATISTICS } from './storage/backup-layout';
import { layerFiles } from './storage/backup-manifest';
import { CollectionStore } from './storage/collection-store';

/** A collection in the test S3 server, reached with a key that may write it. */
export interface StoredCollection {
  readonly endpoint: string;
  readonly bucket: string;
  /** The collection prefix, no leading or trailing slash ('' at the bucket root). */
  readonly prefix: string;
  readonly credentials: S3Credentials;
}

/**
 * What happens to the file, as in an incident: `delete` (a lifecycle rule or a person removed
 * it), `truncate` (half of it is left: an interrupted copy), `corrupt` (same size, other bytes:
 * bit rot). SHOW BACKUP ... WITH check_files only finds `delete` (it asks storage for the size
 * only); RESTORE ... WITH verify_backup_table_data finds all three.
 */
export type DataFileDamage = 'delete' | 'truncate' | 'corrupt';

export interface DataFileSelection {
  /** Which layer of the newest chain: 'full', 'newest', or an index (0 = the full backup). @default 'newest' */
  readonly layer?: 'full' | 'newest' | number;
  /** `<database>.<table>`, e.g. 'defaultdb.kv'. @default the layer's first user table (else its first) */
  readonly table?: string;
}

export interface DamagedFile {
  /** The object key in the bucket. */
  readonly key: string;
  /** The layer's directory relative to the collection. */
  readonly layer: string;
  /** The file relative to its layer: `data/<n>.sst`. */
  readonly file: string;
  /** How SHOW BACKUP ... WITH check_files names the file for a collection URI `s3://<bucket>/<prefix>?...`. */
  readonly checkFilesPath: string;
}

function storeOf(collection: StoredCollection): CollectionStore {
  return new CollectionStore({
    auth: 'specified',
    bucket: collection.bucket,
    prefix: collection.prefix,
    accessKeyId: collection.credentials.accessKeyId,
    secretAccessKey: collection.credentials.secretAccessKey,
    region: 'us-east-1',
    endpoint: collection.endpoint,
    assumeRoles: [],
  });
}

function pickLayer(chain: readonly Layer[], layer: DataFileSelection['layer']): Layer {
  const index = layer === 'full' ? 0 : layer === undefined || layer === 'newest' ? chain.length - 1 : layer;
  const picked = chain[index];
  if (picked === undefined) throw new Error(`the chain has ${chain.length} layers, no layer ${String(layer)}`);
  return picked;
}

function pickFile(layer: Layer, table: string | undefined): string {
  const tables = layer.manifest.databases.flatMap((database) => database.tables.map((t) => ({ name: `${database.name}.${t.name}`, system: database.name === 'system', files: t.files })));
  const picked = table === undefined ? (tables.find((t) => !t.system) ?? tables[0]) : tables.find((t) => t.name === table);
  if (picked === undefined || picked.files.length === 0) throw new Error(`no data file for table ${table ?? '(any)'} in layer ${layer.directory}`);
  return picked.files[0].path;
}

/**
 * Damages one data file (SST) of the newest chain in storage, directly through S3 as an
 * operator or a lifecycle rule would, and says which. For tests of the file check and the
 * restore drill.
 */
export async function damageDataFile(collection: StoredCollection, damage: DataFileDamage, selection: DataFileSelection = {}): Promise<DamagedFile> {
  const store = storeOf(collection);
  try {
    const layer = pickLayer(await readChain(store, undefined), selection.layer);
    const file = pickFile(layer, selection.table);
    const relative = `${layer.directory}/${file}`;
    if (damage === 'delete') {
      await store.remove(relative);
    } else {
      const contents = await store.readBytes(relative);
      if (contents === undefined) throw new Error(`${relative} is already missing`);
      await store.write(relative, damage === 'truncate' ? contents.subarray(0, Math.floor(contents.length / 2)) : Buffer.from(contents.map((byte) => byte ^ 0xff)));
    }
    const directory = layer.directory.replace(/^\/+/, '');
    const key = [collection.prefix, directory, file].filter((part) => part !== '').join('/');
    return { key, layer: layer.directory, file, checkFilesPath: `s3:/${collection.bucket}/${key}` };
  } finally {
    store.close();
  }
}

/** Every data file of every layer of the newest chain, as object keys (to damage many at once). */
export async function dataFileKeys(collection: StoredCollection): Promise<readonly string[]> {
  const store = storeOf(collection);
  try {
    const chain = await readChain(store, undefined);
    return chain.flatMap((layer) => layerFiles(layer.manifest).map((file) => [collection.prefix, layer.directory.replace(/^\/+/, ''), file.path].filter((part) => part !== '').join('/')));
  } finally {
    store.close();
  }
}

/** A layer's metadata files that check_files asks storage about before its SSTs. */
export type LayerMetadataFile = typeof MANIFEST_CHECKSUM | typeof STATISTICS;

/**
 * Deletes a metadata file of one layer of the newest chain (its manifest checksum or its
 * statistics): check_files then fails at once, naming the layer's URI with its query.
 * @returns the object key deleted
 */
export async function deleteLayerMetadataFile(collection: StoredCollection, file: LayerMetadataFile, layer: DataFileSelection['layer'] = 'newest'): Promise<string> {
  const store = storeOf(collection);
  try {
    const picked = pickLayer(await readChain(store, undefined), layer);
    await store.remove(`${picked.directory}/${file}`);
    return [collection.prefix, picked.directory.replace(/^\/+/, ''), file].filter((part) => part !== '').join('/');
  } finally {
    store.close();
  }
}
