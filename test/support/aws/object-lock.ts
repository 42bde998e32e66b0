import { randomBytes } from 'crypto';
import { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse, createServer, request } from 'http';
import { AddressInfo } from 'net';

/**
 * S3 Object Lock in front of the S3 test server (s3-server.ts), for one bucket that has
 * versioning and a default retention, as `bucketOptions.objectLock` creates it. s3rver
 * keeps one copy per key and knows neither versions nor locks, so this proxy keeps the
 * version history itself and refuses what S3 refuses (Amazon S3 User Guide, "Locking
 * objects with Object Lock", and the PutObject / DeleteObject API references):
 *
 * - a PUT (object or part) without `Content-MD5` or an `x-amz-checksum-*` header:
 *   400 InvalidRequest, "Content-MD5 OR x-amz-checksum- HTTP header is required for Put
 *   Object requests with Object Lock parameters" (every upload gets the default retention);
 * - a PUT to an existing key is allowed: it adds a version, the locked one stays;
 * - a DELETE without a version id is allowed: it adds a delete marker, the versions stay;
 * - a DELETE of a version whose retention has not passed: 403 AccessDenied, in GOVERNANCE
 *   mode unless the request carries `x-amz-bypass-governance-retention: true` (which IAM
 *   grants through s3:BypassGovernanceRetention), in COMPLIANCE mode always;
 * - DeleteObjects (POST ?delete) is not modelled and refused with 501, so that nothing
 *   goes around the lock unnoticed.
 *
 * Requests are forwarded unchanged (headers included), so the S3 test server still
 * verifies their Signature V4.
 */
export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

export interface ObjectLockOptions {
  /** The S3 test server's endpoint. */
  readonly upstream: string;
  /** The locked bucket; other buckets pass through unlocked. */
  readonly bucket: string;
  readonly mode: ObjectLockMode;
  /** Default retention in days. */
  readonly retentionDays: number;
  /** The clock retention is measured with; tests move it to let retention pass. */
  readonly now?: () => Date;
}

export interface ObjectVersion {
  readonly versionId: string;
  readonly deleteMarker: boolean;
  /** Undefined for delete markers, which carry no retention. */
  readonly retainUntil?: Date;
  readonly body: Buffer;
}

export interface ObjectLockProxy {
  readonly endpoint: string;
  /** The versions of a key, oldest first, including delete markers. */
  versions(key: string): readonly ObjectVersion[];
  /** Every key that has at least one version. */
  keys(): string[];
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

function s3Error(response: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(body);
}

/** Bucket, key and query of a path-style request. */
function target(url: string): { bucket: string; key: string; query: URLSearchParams } {
  const [path, query = ''] = url.split('?');
  const [, bucket = '', ...rest] = path.split('/');
  return { bucket: decodeURIComponent(bucket), key: rest.map(decodeURIComponent).join('/'), query: new URLSearchParams(query) };
}

function hasIntegrityHeader(headers: IncomingHttpHeaders): boolean {
  return headers['content-md5'] !== undefined || Object.keys(headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-mode');
}

export async function startObjectLockProxy(options: ObjectLockOptions): Promise<ObjectLockProxy> {
  const upstream = new URL(options.upstream);
  const now = options.now ?? (() => new Date());
  const history = new Map<string, ObjectVersion[]>();
  const newVersionId = () => randomBytes(12).toString('base64url');

  const forward = (incoming: IncomingMessage, body: Buffer, response: ServerResponse, extraHeaders: Record<string, string>, done?: (status: number) => void): void => {
    const outgoing = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent: false },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (status < 300) done?.(status);
        response.writeHead(status, { ...answer.headers, ...(status < 300 ? extraHeaders : {}) });
        answer.pipe(response);
      },
    );
    outgoing.on('error', () => s3Error(response, 502, 'InternalError', 'the S3 test server did not answer'));
    outgoing.end(body);
  };

  const handle = (incoming: IncomingMessage, body: Buffer, response: ServerResponse): void => {
    const { bucket, key, query } = target(incoming.url ?? '/');
    if (bucket !== options.bucket || key === '') {
      if (incoming.method === 'POST' && query.has('delete') && bucket === options.bucket) {
        return s3Error(response, 501, 'NotImplemented', 'DeleteObjects is not modelled by the Object Lock test proxy');
      }
      return forward(incoming, body, response, {});
    }
    const versions = history.get(key) ?? [];
    if (incoming.method === 'PUT') {
      if (!hasIntegrityHeader(incoming.headers)) {
        return s3Error(response, 400, 'InvalidRequest', 'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters');
      }
      const version: ObjectVersion = { versionId: newVersionId(), deleteMarker: false, retainUntil: new Date(now().getTime() + options.retentionDays * DAY_MS), body };
      // A part of a multipart upload becomes a version only when the upload completes; not modelled.
      const record = !query.has('partNumber');
      return forward(incoming, body, response, record ? { 'x-amz-version-id': version.versionId } : {}, () => {
        if (record) history.set(key, [...versions, version]);
      });
    }
    if (incoming.method === 'DELETE') {
      const versionId = query.get('versionId');
      if (versionId === null) {
        // A delete marker: the current object disappears from GET and LIST, every version stays.
        const marker: ObjectVersion = { versionId: newVersionId(), deleteMarker: true, body: Buffer.alloc(0) };
        return forward(incoming, body, response, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId }, () => history.set(key, [...versions, marker]));
      }
      const version = versions.find((v) => v.versionId === versionId);
      if (version === undefined) return s3Error(response, 404, 'NoSuchVersion', 'The specified version does not exist.');
      const locked = version.retainUntil !== undefined && version.retainUntil.getTime() > now().getTime();
      const bypass = options.mode === 'GOVERNANCE' && incoming.headers['x-amz-bypass-governance-retention'] === 'true';
      if (locked && !bypass) return s3Error(response, 403, 'AccessDenied', 'Access Denied because object protected by object lock.');
      // Only the history forgets the version: what the S3 test server holds as the current
      // object is not rolled back to the previous version (no test needs it after retention).
      history.set(key, versions.filter((v) => v !== version));
      response.writeHead(204, { 'x-amz-version-id': versionId });
      response.end();
      return;
    }
    return forward(incoming, body, response, {});
  };

  const proxy: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => handle(incoming, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    versions: (key) => history.get(key) ?? [],
    keys: () => [...history.keys()].filter((k) => (history.get(k) ?? []).length > 0).sort(),
    async stop(): Promise<void> {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}
