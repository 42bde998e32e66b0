import { mkdtempSync, rmSync } from 'fs';
import { IncomingMessage, Server, ServerResponse, createServer, request } from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { randomBytes } from 'crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { AccessKeyStore, tokenMatches } from './access-key-store';
import { localS3Client } from '../storage/s3-client';
import { cutPage, pageRequest } from '../storage/list-pages';
import { ParsedAuthorization, SignedRequest, parseAuthorization, payloadMatches, signatureMatches } from '../storage/sigv4';

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Buckets this key may use; all when omitted (models an IAM policy on the key). */
  readonly buckets?: readonly string[];
}

export interface S3ServerOptions {
  /** Keys S3 accepts from the start (added to `keys`). */
  readonly credentials: readonly S3Credentials[];
  readonly buckets: readonly string[];
  /**
   * The keys that exist, shared with a fake IAM (iam-double.ts) that creates, deactivates and
   * deletes them. Default: a store of this server's own.
   */
  readonly keys?: AccessKeyStore;
}

export interface S3TestServer {
  readonly endpoint: string;
  /** The keys S3 authenticates with: deactivate or delete one here (or through the fake IAM) and S3 refuses it. */
  readonly keys: AccessKeyStore;
  /** Lists with a key of the server's own, which no test can deactivate or delete. */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/** s3rver's own key pair; the proxy presents it after checking the caller's signature. */
const S3RVER_ACCESS_KEY = 'S3RVER';

/**
 * S3's answer to a key it does not know, a deleted one included. An inactive key is refused
 * too (IAM API reference, AccessKey.Status: "Inactive means it is not [valid for API calls]");
 * that S3 answers it with this same code is what third-party references report, not AWS's
 * documentation (*unconfirmed*; this is the one place to change).
 */
const INVALID_ACCESS_KEY_ID = { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' } as const;

function s3Error(response: ServerResponse, status: number, code: string, message: string, head: boolean): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
  response.end(head ? undefined : body);
}

/** The bucket of a path-style request (`/<bucket>/<key>`). */
function bucketOf(url: string): string {
  return decodeURIComponent(url.split('?')[0].split('/')[1] ?? '');
}

/**
 * s3rver behind a small proxy that does what s3rver does not: verify each request's
 * Signature V4 against the caller's secret key (s3rver only checks that the access key
 * id exists, pkg s3rver lib/middleware/authentication.js), know whether a key is active,
 * inactive or deleted (the shared AccessKeyStore), and refuse buckets a key may not use.
 * Temporary credentials (from the fake STS, sts-double.ts) also need their session token.
 * Errors are S3's: InvalidAccessKeyId, SignatureDoesNotMatch, InvalidToken, AccessDenied.
 */
export async function startS3Server(options: S3ServerOptions): Promise<S3TestServer> {
  const keys = options.keys ?? new AccessKeyStore();
  for (const credential of options.credentials) keys.add(credential);
  const inspector = keys.add({});
  const directory = mkdtempSync(join(tmpdir(), 's3-double-'));
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    resetOnClose: true,
    vhostBuckets: false,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const backendAddress = await backend.run();

  const forward = (incoming: IncomingMessage, body: Buffer, auth: ParsedAuthorization, response: ServerResponse): void => {
    const headers = { ...incoming.headers, host: `127.0.0.1:${backendAddress.port}` };
    headers.authorization = (incoming.headers.authorization ?? '').replace(`Credential=${auth.accessKeyId}/`, `Credential=${S3RVER_ACCESS_KEY}/`);
    const page = pageRequest(incoming.method ?? 'GET', incoming.url ?? '/');
    const outgoing = request(
      { host: '127.0.0.1', port: backendAddress.port, method: incoming.method, path: page?.url ?? incoming.url, headers, agent: false },
      (answer) => {
        if (page === undefined || answer.statusCode !== 200) {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          return;
        }
        const parts: Buffer[] = [];
        answer.on('data', (part: Buffer) => parts.push(part));
        answer.on('end', () => {
          const body = Buffer.from(cutPage(Buffer.concat(parts).toString('utf8'), page), 'utf8');
          response.writeHead(200, { ...answer.headers, 'content-length': String(body.length) });
          response.end(body);
        });
      },
    );
    outgoing.on('error', () => s3Error(response, 502, 'InternalError', 'the S3 backend did not answer', incoming.method === 'HEAD'));
    outgoing.end(body);
  };

  const proxy: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const head = incoming.method === 'HEAD';
      const signed: SignedRequest = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks) };
      const auth = parseAuthorization(incoming.headers.authorization);
      if (auth === undefined) return s3Error(response, 403, 'AccessDenied', 'Access Denied', head);
      const credential = keys.authenticate(auth.accessKeyId);
      if (credential === undefined) return s3Error(response, 403, INVALID_ACCESS_KEY_ID.code, INVALID_ACCESS_KEY_ID.message, head);
      if (!signatureMatches(signed, auth, credential.secretAccessKey)) {
        return s3Error(response, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', head);
      }
      if (!tokenMatches(credential, incoming.headers['x-amz-security-token'])) {
        // Temporary credentials without (or with another) session token. The code S3 answers
        // with is InvalidToken in its error list ("The provided token is malformed or otherwise
        // invalid."); for a missing token *unconfirmed*, one place to change.
        return s3Error(response, 400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.', head);
      }
      if (!payloadMatches(signed)) {
        return s3Error(response, 400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", head);
      }
      const bucket = bucketOf(signed.url);
      if (credential.buckets !== undefined && bucket !== '' && !credential.buckets.includes(bucket)) {
        return s3Error(response, 403, 'AccessDenied', 'Access Denied', head);
      }
      forward(incoming, signed.body, auth, response);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    endpoint,
    keys,
    async listKeys(bucket: string, prefix?: string): Promise<string[]> {
      const client = localS3Client({ ...inspector, region: 'us-east-1', endpoint });
      try {
        const keys: string[] = [];
        let token: string | undefined;
        for (let page = 0; page < 100; page++) {
          const result = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          for (const object of result.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
          token = result.NextContinuationToken;
          if (token === undefined) break;
        }
        return keys.sort();
      } finally {
        client.destroy();
      }
    },
    async stop(): Promise<void> {
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await backend.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
