import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { parseAuthorization } from '../storage/sigv4';

/** One answer of a fake AWS service. */
export interface ServiceAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** A request as the fake sees it: the body, and the signing service named in its SigV4 credential scope. */
export interface ServiceRequest {
  readonly method: string;
  /** The raw request target (path and query), for a fake that verifies signatures. */
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly signingService?: string;
}

export interface LocalService {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` or through `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 for a fake AWS API (iam-double.ts, secrets-manager-double.ts):
 * reads each POST body whole and sends what `answer` returns. A request without a SigV4
 * Authorization header is refused as AWS refuses it (the SDK always signs), so a test whose
 * client lost its credentials fails here rather than passing by accident.
 */
export async function startLocalService(answer: (request: ServiceRequest) => ServiceAnswer, unsigned: ServiceAnswer): Promise<LocalService> {
  const server: Server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const auth = parseAuthorization(incoming.headers.authorization);
      let result: ServiceAnswer;
      try {
        result = auth === undefined ? unsigned : answer({ method: incoming.method ?? 'POST', url: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8'), signingService: auth.service });
      } catch (error) {
        result = { status: 500, contentType: 'text/plain', body: `fake service failure: ${error instanceof Error ? error.message : String(error)}` };
      }
      response.writeHead(result.status, { 'content-type': result.contentType, 'x-amzn-requestid': `fake-${Date.now()}` });
      response.end(result.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
