import { SqlError, SqlState } from '../sql/sql-error';
import { AwsCredentials, RoleToAssume } from './node-credentials';

/**
 * S3 storage URIs as CockroachDB reads them (pkg/cloud/amazon/s3_storage.go,
 * parseS3URL): `s3://<bucket>/<prefix>?AWS_ACCESS_KEY_ID=..&AWS_SECRET_ACCESS_KEY=..`
 * with URL-encoded values. Parameter names from docs/cockroachdb-behaviour.md section 4.
 */
const S3_PARAMETERS = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_ENDPOINT',
  'AUTH',
  'ASSUME_ROLE',
  'AWS_SERVER_ENC_MODE',
  'AWS_SERVER_KMS_ID',
  'S3_STORAGE_CLASS',
  'AWS_USE_PATH_STYLE',
  'AWS_SKIP_CHECKSUM',
]);

/** Parameters whose values SanitizeExternalStorageURI replaces (pkg/cloud/uris.go, RedactedParams of the S3 provider). */
const REDACTED_PARAMETERS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

export interface S3Location {
  /** 'implicit': the node's own AWS credentials instead of keys in the URI. */
  readonly auth: 'specified' | 'implicit';
  readonly bucket: string;
  /** The collection prefix without leading or trailing slash ('' at the bucket root). */
  readonly prefix: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly region: string;
  readonly endpoint?: string;
  /** ASSUME_ROLE: delegates first, the final role last (empty without the parameter). */
  readonly assumeRoles: readonly RoleToAssume[];
  /** Set by the cluster for the nodes' requests when the credentials are not the URI's keys (cluster.ts nodeLocation). */
  readonly credentials?: () => Promise<AwsCredentials>;
}

export type StorageUri =
  | { readonly scheme: 's3'; readonly uri: string; readonly location: S3Location }
  | { readonly scheme: 'external'; readonly uri: string; readonly connection: string };

/** Parses a destination URI; errors are CockroachDB's synchronous URI errors. */
export function parseStorageUri(uri: string): StorageUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new SqlError(SqlState.invalidParameterValue, `failed to parse external storage URI: ${uri.includes('?') ? uri.slice(0, uri.indexOf('?')) : uri}`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme === 'external') {
    return { scheme: 'external', uri, connection: url.host };
  }
  if (scheme !== 's3') {
    // pkg/cloud/impl_registry.go: ExternalStorageConfFromURI.
    throw new SqlError(SqlState.featureNotSupported, `unsupported storage scheme: "${scheme}" - refer to docs to find supported storage schemes`);
  }
  return { scheme: 's3', uri, location: parseS3Location(url) };
}

function parseS3Location(url: URL): S3Location {
  const unknown = [...new Set(url.searchParams.keys())].filter((name) => !S3_PARAMETERS.has(name)).sort();
  if (unknown.length > 0) {
    // pkg/cloud/uris.go, ValidateQueryParameters; the list format is *unconfirmed*.
    throw new SqlError(SqlState.invalidParameterValue, `unknown S3 query parameters: ${unknown.join(', ')}`);
  }
  const param = (name: string): string | undefined => url.searchParams.get(name) ?? undefined;
  const auth = param('AUTH') ?? 'specified';
  if (auth !== 'specified' && auth !== 'implicit') {
    throw new SqlError(SqlState.invalidParameterValue, `unsupported value ${auth} for AUTH`);
  }
  const accessKeyId = param('AWS_ACCESS_KEY_ID');
  const secretAccessKey = param('AWS_SECRET_ACCESS_KEY');
  if (auth === 'specified' && accessKeyId === undefined) {
    throw new SqlError(SqlState.invalidParameterValue, "AUTH is set to 'specified', but AWS_ACCESS_KEY_ID is not set");
  }
  if (auth === 'specified' && secretAccessKey === undefined) {
    throw new SqlError(SqlState.invalidParameterValue, "AUTH is set to 'specified', but AWS_SECRET_ACCESS_KEY is not set");
  }
  return {
    auth,
    bucket: url.host,
    prefix: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, ''),
    accessKeyId: accessKeyId ?? '',
    secretAccessKey: secretAccessKey ?? '',
    sessionToken: param('AWS_SESSION_TOKEN'),
    region: param('AWS_REGION') ?? 'us-east-1',
    endpoint: param('AWS_ENDPOINT'),
    assumeRoles: parseRoleProviders(param('ASSUME_ROLE') ?? ''),
  };
}

/**
 * ASSUME_ROLE as CockroachDB reads it (pkg/cloud/uris.go, ParseRoleProvidersString, and
 * cloudpb DecodeRoleProviderString): roles separated by ',', each `<role>[;external_id=<id>]`;
 * the last is the role assumed for the storage, the ones before it delegates assumed first.
 * No validation: a malformed ARN fails at STS.
 */
function parseRoleProviders(value: string): RoleToAssume[] {
  if (value === '') return [];
  return value.split(',').map((entry) => {
    const [arn, ...fields] = entry.split(';');
    const externalId = fields.find((field) => field.startsWith('external_id='))?.slice('external_id='.length);
    return externalId === undefined ? { arn } : { arn, externalId };
  });
}

/** Go's url.QueryEscape: unreserved characters kept, space as '+', the rest %XX. */
function goQueryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * SanitizeExternalStorageURI (pkg/cloud/uris.go): secret parameters become `redacted`,
 * the access key id stays, and the query is re-encoded by Go's url.Values.Encode,
 * which sorts the keys. external:// URIs carry no secret and are kept as written.
 */
export function sanitizeStorageUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  if (url.search === '') return uri;
  const entries = [...url.searchParams.entries()].map(([name, value]): [string, string] => [name, REDACTED_PARAMETERS.includes(name) ? 'redacted' : value]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = entries.map(([name, value]) => `${goQueryEscape(name)}=${goQueryEscape(value)}`).join('&');
  return `${url.protocol}//${url.host}${url.pathname}?${query}`;
}

/**
 * A URI with a subdirectory appended to its path and its query kept as written
 * (pkg/backup/backuputils.AppendPaths, which joins the path and keeps RawQuery): how
 * CockroachDB names a layer of a collection, in job descriptions and in errors.
 */
export function appendPath(uri: string, directory: string): string {
  const at = uri.indexOf('?');
  const base = at < 0 ? uri : uri.slice(0, at);
  return `${base.replace(/\/+$/, '')}/${directory.replace(/^\/+/, '')}${at < 0 ? '' : uri.slice(at)}`;
}
