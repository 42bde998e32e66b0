import { createServer, request, Server } from 'http';
import { AddressInfo } from 'net';
import { Budget } from '../lambda/backup/connect/budget';
import { parseConnectionSecret } from '../lambda/backup/connect/secrets';
import { Session } from '../lambda/backup/connect/session';
import { buildBackupStatement } from '../lambda/backup/submit/statement';
import { buildS3Uri } from '../lambda/backup/submit/storage';
import { readStoredChain } from '../lambda/backup/observe/stored-chain';
import { testSettings } from '../test/lambda/helpers/fixtures';
import { ACCESS_KEY, BACKUP_USER, BUCKET, COLLECTION, connectionSecretFor } from '../test/lambda/helpers/harness';
import { CockroachDouble } from '../test/support/cockroach-double';
import { startS3Server } from '../test/support/aws/s3-server';
import { median, nowMs } from './measure';

export interface StorageReadFigures {
  /** Incrementals on the full backup. */
  readonly incrementals: number;
  /** SQL round trips of one read (the chain read over SHOW BACKUP FROM LATEST IN). */
  readonly sqlRoundTrips: number;
  /** S3 requests the double's nodes made for one read. */
  readonly s3Requests: number;
  /** Median wall time of one read, from the Lambda's session. */
  readonly ms: number;
}

/** A pass-through HTTP proxy in front of the S3 server that counts requests (headers, Host included, are kept: SigV4 signs them). */
async function countingProxy(target: string): Promise<{ endpoint: string; requests(): number; stop(): Promise<void> }> {
  const to = new URL(target);
  let count = 0;
  const server: Server = createServer((incoming, response) => {
    count += 1;
    const outgoing = request({ host: to.hostname, port: to.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.on('error', () => response.destroy());
    incoming.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => count,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * What observing the collection in storage costs: the Lambda's chain read over `SHOW BACKUP FROM LATEST IN`
 * (readStoredChain) against the double, on a chain grown to each of `lengths`
 * incrementals (48 is the most Cockroach Labs supports and MAX_INCREMENTALS' maximum).
 * One SQL round trip whatever the length; the cluster reads each layer's manifest, so
 * its S3 requests and time grow with the chain. Each figure is the median of `runs` reads.
 */
export async function measureStorageRead(lengths: readonly number[], runs: number): Promise<StorageReadFigures[]> {
  const s3 = await startS3Server({ credentials: [ACCESS_KEY], buckets: [BUCKET] });
  const proxy = await countingProxy(s3.endpoint);
  const double = await CockroachDouble.start({ users: [BACKUP_USER], jobDurationMs: 1, awsS3Endpoint: proxy.endpoint });
  const connection = parseConnectionSecret(connectionSecretFor(double), 'the connection secret', true);
  const session = await Session.open(connection, { tlsVerify: true, connectTimeoutMs: 5000, statementTimeoutMs: 30_000, budget: Budget.fromNow(3_600_000) });
  try {
    const uri = buildS3Uri(testSettings({ BUCKET_NAME: BUCKET, COLLECTION }), ACCESS_KEY);
    const backUp = async (kind: 'full' | 'incremental'): Promise<void> => {
      await session.query('bench backup', buildBackupStatement({ kind, target: uri, asOfSystemTimeSeconds: 10, revisionHistory: true }));
      await double.whenJobsSettled();
    };
    await backUp('full');
    const figures: StorageReadFigures[] = [];
    let incrementals = 0;
    for (const length of [...lengths].sort((a, b) => a - b)) {
      for (; incrementals < length; incrementals += 1) await backUp('incremental');
      const samples: number[] = [];
      let s3Requests = 0;
      let sqlRoundTrips = 0;
      for (let i = 0; i < runs; i += 1) {
        const [tripsBefore, requestsBefore] = [session.roundTrips, proxy.requests()];
        const started = nowMs();
        const chain = await readStoredChain(session, uri);
        samples.push(nowMs() - started);
        if (chain?.incrementals !== length) throw new Error(`the storage read found ${chain?.incrementals} incrementals, expected ${length}`);
        [sqlRoundTrips, s3Requests] = [session.roundTrips - tripsBefore, proxy.requests() - requestsBefore];
      }
      figures.push({ incrementals: length, sqlRoundTrips, s3Requests, ms: median(samples) });
    }
    return figures;
  } finally {
    await session.close();
    await double.stop();
    await proxy.stop();
    await s3.stop();
  }
}

if (require.main === module) {
  measureStorageRead([0, 12, 24, 48], 9).then(
    (figures) => {
      for (const f of figures) {
        process.stdout.write(`storage read, ${f.incrementals} incrementals: ${f.sqlRoundTrips} SQL round trip, ${f.s3Requests} S3 requests, ${f.ms.toFixed(1)} ms (median)\n`);
      }
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
