import { BackupSettings, BucketLocation } from '../connect/config';
import { formatAssumeRoleChain, StorageAuth } from './storage-auth';

/** The access key CockroachDB's nodes use to write the bucket (the Lambda only passes it on). */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The collection URI with the nodes' credentials in its query string: the key
 * (`storageAuth` access-key, `key` required), or `AUTH=implicit[&ASSUME_ROLE=<arn>[,<arn>]]`
 * with no key at all (`key` ignored). Every value is URL-encoded: secret access keys
 * contain '/' and '+', which would otherwise be read as a path separator and a space
 * (docs: "use-cloud-storage", query parameters must be URL-encoded), and the role chain's
 * ',' ';' '=' are encoded too (Go's url.Query decodes them). Parameter names:
 * pkg/cloud/amazon/s3_storage.go. The one builder of the Lambda, the runner and the
 * restore helper. `location` is the primary bucket by default; a drill of the off-site copy
 * passes the copy's (settings.drillCopy): same collection, same credentials, same options.
 */
export function buildS3Uri(settings: BackupSettings, key: AccessKey | undefined, location: BucketLocation = settings): string {
  const params: [string, string][] = [...credentialParams(settings.storageAuth, key), ['AWS_REGION', location.bucketRegion]];
  if (settings.s3Endpoint !== undefined) params.push(['AWS_ENDPOINT', settings.s3Endpoint]);
  const query = params.map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  return `${collectionLocation(settings, location)}?${query}`;
}

function credentialParams(auth: StorageAuth, key: AccessKey | undefined): [string, string][] {
  if (auth.mode === 'implicit') {
    return auth.assumeRoles.length === 0 ? [['AUTH', 'implicit']] : [['AUTH', 'implicit'], ['ASSUME_ROLE', formatAssumeRoleChain(auth.assumeRoles)]];
  }
  if (key === undefined) throw new Error('the storage URI needs the access key (STORAGE_AUTH is access-key), and none was read');
  return [
    ['AWS_ACCESS_KEY_ID', key.accessKeyId],
    ['AWS_SECRET_ACCESS_KEY', key.secretAccessKey],
  ];
}

/** `s3://<bucket>/<collection>`: the part of the URI that identifies the collection (in the primary bucket unless `location` says another). */
export function collectionLocation(settings: BackupSettings, location: BucketLocation = settings): string {
  // The collection is validated to characters that need no encoding (config.ts).
  return `s3://${location.bucketName}/${settings.collection}`;
}

/** How messages name the collection: `s3://<bucket>/<collection>` or `external://<name>`. */
export function collectionLabel(settings: BackupSettings): string {
  return settings.storageMode === 'external-connection' ? `external://${settings.externalConnectionName}` : collectionLocation(settings);
}

/** What BACKUP names as its destination: the URI, or `external://<name>`. */
export function backupTarget(settings: BackupSettings, key: AccessKey | undefined): string {
  return settings.storageMode === 'external-connection'
    ? `external://${settings.externalConnectionName}`
    : buildS3Uri(settings, key);
}

/**
 * Whether a backup job's (full) description names this collection and no other.
 * Descriptions quote the destination (sanitized, parameters re-encoded in sorted order:
 * SanitizeExternalStorageURI in pkg/cloud), so:
 * - URI mode: `...'s3://<bucket>/<collection>?...`; the '?' stops a match of
 *   `<collection>-old` or `<collection>/sub` (every URI here has a query string);
 * - external-connection mode: `...'external://<name>'...`, closing quote included.
 * Plain SHOW JOBS shortens descriptions from v24.1, so this is applied only to the
 * full descriptions that SHOW JOBS gives for ids (job-queries.ts).
 */
export function describesCollection(settings: BackupSettings, description: string): boolean {
  const quoted =
    settings.storageMode === 'external-connection' ? `'external://${settings.externalConnectionName}'` : `'${collectionLocation(settings)}?`;
  return description.includes(quoted);
}
