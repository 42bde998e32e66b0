import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';

/**
 * A local stand-in for the Secrets Manager API, enough for GetSecretValue: the real
 * SDK client reaches it through AWS_ENDPOINT_URL_SECRETS_MANAGER, so a run pays the
 * SDK's real cost (request signing, serialization, HTTP) and only the network is local.
 * The protocol is AWS JSON 1.1: POST /, `X-Amz-Target: secretsmanager.<Operation>`.
 */
export interface SecretsManagerFake {
  readonly endpoint: string;
  /** GetSecretValue calls answered so far. */
  readonly calls: number;
  serve(arn: string, secretString: string): void;
  stop(): Promise<void>;
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(JSON.stringify(body));
}

export async function startSecretsManagerFake(): Promise<SecretsManagerFake> {
  const secrets = new Map<string, string>();
  let calls = 0;
  const handle = (request: IncomingMessage, body: string, response: ServerResponse): void => {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target !== 'secretsmanager.GetSecretValue') {
      answer(response, 400, { __type: 'UnknownOperationException', message: `the fake serves only GetSecretValue, not ${target}` });
      return;
    }
    calls += 1;
    const secretId = String((JSON.parse(body) as { SecretId?: unknown }).SecretId ?? '');
    const secretString = secrets.get(secretId);
    if (secretString === undefined) {
      answer(response, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      return;
    }
    answer(response, 200, {
      ARN: secretId,
      Name: secretId.split(':').pop(),
      SecretString: secretString,
      VersionId: '00000000-0000-0000-0000-000000000001',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
    });
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    serve: (arn, secretString) => secrets.set(arn, secretString),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
