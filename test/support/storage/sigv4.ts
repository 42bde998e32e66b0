import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { IncomingHttpHeaders } from 'http';

/**
 * Verification of AWS Signature Version 4 on a received request, computed from the
 * specification (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
 * canonical request -> string to sign -> HMAC chain over the secret key. S3 signs the
 * path as sent (no double encoding) and the payload hash from x-amz-content-sha256.
 */
export interface SignedRequest {
  readonly method: string;
  /** The raw request target, path and query, as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match = /^AWS4-HMAC-SHA256\s+Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]+)$/.exec(header ?? '');
  if (match === null) return undefined;
  return { accessKeyId: match[1], date: match[2], region: match[3], service: match[4], signedHeaders: match[5].split(';'), signature: match[6] };
}

/** RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay. */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, '%20'));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, '%20'));
      return [uriEncode(key), uriEncode(value)];
    })
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(',') : (value ?? '');
  return text.trim().replace(/\s+/g, ' ');
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Whether the signature matches the one computed with this secret key. */
export function signatureMatches(request: SignedRequest, auth: ParsedAuthorization, secretAccessKey: string): boolean {
  const expected = Buffer.from(computeSignature(request, auth, secretAccessKey));
  const provided = Buffer.from(auth.signature);
  return expected.length === provided.length && timingSafeEqual(expected, provided);
}

/**
 * Signs a request with these credentials (how the CockroachDB double's nodes call the fake
 * STS): the same computation the verification above makes, so both sides agree by construction.
 * Sets host, x-amz-date, x-amz-content-sha256, x-amz-security-token (with a session token) and Authorization.
 */
export function signRequest(
  request: { method: string; url: string; host: string; body: Buffer },
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region: string,
  service: string,
  now: Date = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { host: request.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': sha256Hex(request.body) };
  if (credentials.sessionToken !== undefined) headers['x-amz-security-token'] = credentials.sessionToken;
  const signedHeaders = Object.keys(headers).sort();
  const auth = { accessKeyId: credentials.accessKeyId, date: amzDate.slice(0, 8), region, service, signedHeaders, signature: '' };
  const signature = computeSignature({ method: request.method, url: request.url, headers, body: request.body }, auth, credentials.secretAccessKey);
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${auth.date}/${region}/${service}/aws4_request, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}

function computeSignature(request: SignedRequest, auth: ParsedAuthorization, secretAccessKey: string): string {
  const queryAt = request.url.indexOf('?');
  const path = queryAt < 0 ? request.url : request.url.slice(0, queryAt);
  const query = queryAt < 0 ? '' : request.url.slice(queryAt + 1);
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256') || sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(query),
    auth.signedHeaders.map((name) => `${name}:${headerValue(request.headers, name)}\n`).join(''),
    auth.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', headerValue(request.headers, 'x-amz-date'), scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, auth.date), auth.region), auth.service), 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
}

/** Whether a hex payload hash, when one was sent, matches the body. */
export function payloadMatches(request: SignedRequest): boolean {
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  return !/^[0-9a-f]{64}$/.test(declared) || declared === sha256Hex(request.body);
}
