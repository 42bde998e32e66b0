import { registerSecret } from '../report/redact';
import { AccessKey } from '../submit/storage';

/** How to reach the cluster (the connection secret's JSON). */
export interface ConnectionSecret {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname: string;
  /** PEM of the cluster CA; may be empty only when TLS verification is off. */
  readonly ca: string;
  /**
   * A client certificate and its key (PEM) for a certificate login, as libpq's `sslcert` and
   * `sslkey` give them: the operator's tools only (the Lambda logs in with its password).
   */
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
}

export interface Credentials {
  readonly connection: ConnectionSecret;
  /** The nodes' access key; undefined in keyless modes (STORAGE_AUTH=implicit), where none exists. */
  readonly accessKey?: AccessKey;
}

/**
 * Where the procedure gets its secrets: Secrets Manager in the Lambda, the environment
 * in the local runner. Everything else is shared.
 */
export interface SecretSource {
  /**
   * The connection secret, which may be cached: a rotated password shows at once as an
   * authentication failure, after which the procedure asks again with `refresh` (bypass
   * any cache). `fresh` says whether it was just fetched.
   */
  connection(refresh: boolean): Promise<{ readonly connection: ConnectionSecret; readonly fresh: boolean }>;
  /**
   * The access key the secret holds now (its AWSCURRENT version), never cached: a rotated
   * key shows only as failing backup jobs (CockroachDB's nodes use it, not the Lambda), so
   * every run, and a retry after S3 rejected the key, reads it again.
   */
  accessKey(): Promise<AccessKey>;
  /**
   * The connection secret's AWSPENDING version, never cached: the new password of a rotation
   * between its setSecret (the cluster already wants it) and its finishSecret (AWSCURRENT still
   * holds the old one); undefined when no rotation is in progress or the source has no versions.
   */
  pendingConnection(): Promise<ConnectionSecret | undefined>;
  /** Fetches made so far (Secrets Manager calls in the Lambda). */
  readonly fetchCount: number;
}

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

function parseJsonObject(text: string | undefined, label: string): Record<string, unknown> {
  if (text === undefined || text.trim() === '') throw new SecretError(`${label} is empty: expected a JSON object`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text: never pass it on.
    throw new SecretError(`${label} is not valid JSON: expected a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SecretError(`${label} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function requiredString(object: Record<string, unknown>, field: string, label: string, hint = ''): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new SecretError(`${label} has ${value === undefined ? 'no' : 'an empty or non-string'} field "${field}"${hint}`);
  }
  return value;
}

/**
 * Parses the connection secret `{"host","port","username","password","dbname","ca"}`.
 * Errors name the field, never a value. The construct creates the secret with an
 * empty host: it is filled in after deploy.
 */
export function parseConnectionSecret(text: string | undefined, label: string, requireCa: boolean): ConnectionSecret {
  const object = parseJsonObject(text, label);
  const fillIn = ' (fill in host, port, username, password, dbname and ca in the connection secret after deploy)';
  const host = requiredString(object, 'host', label, fillIn);
  const rawPort = object.port;
  const port = typeof rawPort === 'number' ? rawPort : typeof rawPort === 'string' && /^\d+$/.test(rawPort) ? Number(rawPort) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SecretError(`${label} has ${rawPort === undefined ? 'no' : 'an invalid'} field "port": expected a TCP port such as 26257`);
  }
  const username = requiredString(object, 'username', label);
  const password = requiredString(object, 'password', label);
  registerSecret(password);
  const dbname = requiredString(object, 'dbname', label);
  const ca = requireCa
    ? requiredString(object, 'ca', label, ': expected the PEM of the cluster CA (or TLS_VERIFY=false)')
    : typeof object.ca === 'string'
      ? object.ca
      : '';
  if (requireCa && !ca.includes('-----BEGIN CERTIFICATE-----')) {
    throw new SecretError(`${label} has a field "ca" that is not a PEM certificate: expected -----BEGIN CERTIFICATE-----...`);
  }
  return { host, port, username, password, dbname, ca };
}

/** Parses the access-key secret `{"accessKeyId","secretAccessKey"}`. */
export function parseAccessKeySecret(text: string | undefined, label: string): AccessKey {
  const object = parseJsonObject(text, label);
  const accessKeyId = requiredString(object, 'accessKeyId', label);
  const secretAccessKey = requiredString(object, 'secretAccessKey', label);
  registerSecret(secretAccessKey);
  return { accessKeyId, secretAccessKey };
}
