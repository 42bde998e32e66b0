/**
 * ListObjectsV2 pages done by the S3 server's proxy instead of s3rver: s3rver encrypts its
 * continuation tokens with DES (lib/controllers/bucket.js, generateContinuationToken), which
 * Node's OpenSSL 3 no longer offers, so every truncated listing fails there with
 * InternalError (a `MaxKeys: 1` listing of a non-empty prefix, as the rotation function's
 * testSecret sends, included). The proxy asks s3rver for the whole listing (up to its 1000
 * keys, more than any test writes), cuts the page itself, and makes its own token: the
 * last key of the page, which the next request turns into s3rver's `start-after`.
 * Listings with a delimiter are passed through unchanged (no test pages through them).
 */

export interface PageRequest {
  /** The path and query to send to s3rver. */
  readonly url: string;
  /** The page size the caller asked for. */
  readonly maxKeys: number;
  /** The caller's continuation token, echoed in the answer. */
  readonly continuationToken?: string;
}

const S3_MAX_KEYS = 1000;

function encodeToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** The request to send instead, when it is a ListObjectsV2 the proxy pages itself. */
export function pageRequest(method: string, url: string): PageRequest | undefined {
  const queryAt = url.indexOf('?');
  if (method !== 'GET' || queryAt < 0) return undefined;
  const path = url.slice(0, queryAt);
  const query = new URLSearchParams(url.slice(queryAt + 1));
  // A bucket listing only: `/<bucket>` or `/<bucket>/`.
  if (query.get('list-type') !== '2' || query.has('delimiter') || !/^\/[^/]+\/?$/.test(path)) return undefined;
  const maxKeys = Math.min(S3_MAX_KEYS, Number(query.get('max-keys') ?? S3_MAX_KEYS));
  const continuationToken = query.get('continuation-token') ?? undefined;
  query.delete('max-keys');
  query.delete('continuation-token');
  if (continuationToken !== undefined) query.set('start-after', decodeToken(continuationToken));
  return { url: `${path}?${query.toString()}`, maxKeys, continuationToken };
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function xmlUnescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** s3rver's complete listing cut to the page the caller asked for. */
export function cutPage(body: string, request: PageRequest): string {
  const contents = body.match(/<Contents>[\s\S]*?<\/Contents>/g) ?? [];
  const kept = contents.slice(0, request.maxKeys);
  const truncated = contents.length > kept.length;
  const lastKey = kept.length === 0 ? undefined : xmlUnescape(/<Key>([\s\S]*?)<\/Key>/.exec(kept[kept.length - 1])?.[1] ?? '');
  const start = body.indexOf('<Contents>');
  const end = body.lastIndexOf('</Contents>');
  let page = start < 0 ? body : `${body.slice(0, start)}${kept.join('')}${body.slice(end + '</Contents>'.length)}`;
  page = page
    .replace(/<IsTruncated>[^<]*<\/IsTruncated>/, `<IsTruncated>${truncated}</IsTruncated>`)
    .replace(/<MaxKeys>[^<]*<\/MaxKeys>/, `<MaxKeys>${request.maxKeys}</MaxKeys>`)
    .replace(/<KeyCount>[^<]*<\/KeyCount>/, `<KeyCount>${kept.length}</KeyCount>`)
    .replace(/<StartAfter>[^<]*<\/StartAfter>/, '')
    .replace(/<(Next)?ContinuationToken>[^<]*<\/(Next)?ContinuationToken>/g, '');
  const tokens =
    (request.continuationToken === undefined ? '' : `<ContinuationToken>${xmlEscape(request.continuationToken)}</ContinuationToken>`) +
    (truncated && lastKey !== undefined ? `<NextContinuationToken>${encodeToken(lastKey)}</NextContinuationToken>` : '');
  return page.replace('</ListBucketResult>', `${tokens}</ListBucketResult>`);
}
