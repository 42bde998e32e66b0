import path from 'path';
import { Cluster } from '../cluster';
import { Session } from '../session';
import { MANIFEST_CHECKSUM, STATISTICS } from '../storage/backup-layout';
import { layerFiles } from '../storage/backup-manifest';
import { CollectionStore } from '../storage/collection-store';
import { appendPath } from '../storage/storage-uri';
import { Layer, layerPath } from './collection-reads';
import { SqlError, SqlState, queryCanceled } from './sql-error';

/**
 * checkBackupFiles checks each layer's metadata first: the manifest's checksum file and its
 * statistics files. One that storage cannot size fails the statement at once with
 * `Error checking metadata file <layer URI>/<file>: <storage error>` (errors.Wrapf, XXUUU),
 * the layer URI being the statement's URI with the layer appended and its query **as
 * written**: CockroachDB puts the secret key of the URI in this message (a client must redact
 * it). The storage error's text is *unconfirmed*.
 */
async function checkMetadataFiles(store: CollectionStore, layer: Layer, uri: string): Promise<void> {
  for (const file of [MANIFEST_CHECKSUM, STATISTICS]) {
    if ((await store.size(`${layer.directory}/${file}`)) === undefined) {
      throw new SqlError(SqlState.uncategorized, `Error checking metadata file ${appendPath(uri, layer.directory)}/${file}: s3 object does not exist: NotFound: Not Found`);
    }
  }
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
 * WITH check_files (pkg/backup/show.go, checkBackupFiles): per layer, its metadata files
 * (checkMetadataFiles), then the size of every data file, read from storage one by one. Unreadable files are named as
 * `path.Join(<layer URI without query>, <file>)` (so `s3://bucket/x` reads `s3:/bucket/x/...`),
 * sorted, under "The following files are missing from the backup:"; at ten the check stops
 * and the prefix becomes "Multiple files cannot be read from the backup including:". The
 * error is errors.Newf: no SQLSTATE (XXUUU).
 * @returns each file's size by its path relative to the collection
 */
export async function checkBackupFiles(
  store: CollectionStore,
  chain: readonly Layer[],
  uri: string,
  cluster: Cluster,
  statement: Session['statement'],
): Promise<ReadonlyMap<string, number>> {
  const sizes = new Map<string, number>();
  const missing = new Set<string>();
  for (const layer of chain) {
    await checkMetadataFiles(store, layer, uri);
    const layerUri = appendPath(uri, layer.directory).split('?')[0];
    for (const file of layerFiles(layer.manifest)) {
      if (cluster.environment.checkFilesDelayMs > 0) await cluster.environment.sleep(cluster.environment.checkFilesDelayMs);
      // statement_timeout canceled the statement: CockroachDB's context is done, no more reads.
      if (statement.canceled) throw queryCanceled();
      const size = await store.size(`${layer.directory}/${file.path}`);
      if (size !== undefined && (!CHECK_FILES_COMPARES_SIZES || size === file.sizeBytes)) {
        sizes.set(layerPath(layer, file.path), size);
        continue;
      }
      missing.add(path.posix.join(layerUri, file.path));
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
