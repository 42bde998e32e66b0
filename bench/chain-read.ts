import { Budget } from '../lambda/backup/connect/budget';
import { parseConnectionSecret } from '../lambda/backup/connect/secrets';
import { Session } from '../lambda/backup/connect/session';
import { buildChainRead, readStoredChain } from '../lambda/backup/observe/stored-chain';
import { buildS3Uri } from '../lambda/backup/submit/storage';
import { testSettings } from '../test/lambda/helpers/fixtures';
import { ACCESS_KEY, BACKUP_USER, BUCKET, COLLECTION, connectionSecretFor } from '../test/lambda/helpers/harness';
import { startS3Server } from '../test/support/aws/s3-server';
import { CockroachDouble } from '../test/support/cockroach-double';
import { hlcDecimal, hlcFromDate } from '../test/support/hlc';
import { fullSubdir, incrementalDir } from '../test/support/storage/backup-layout';
import { buildLayer } from '../test/support/storage/backup-manifest';
import { CollectionStore } from '../test/support/storage/collection-store';
import { median, nowMs } from './measure';

export interface ChainReadFigures {
  readonly tables: number;
  readonly layers: number;
  /** Rows and DataRow bytes the Lambda receives per run, and the median time of one read, for each statement. */
  readonly before: { readonly rows: number; readonly bytes: number; readonly ms: number };
  readonly after: { readonly rows: number; readonly bytes: number; readonly ms: number };
}

/** The chain read before issue 21: every SHOW BACKUP row, one per object per layer. */
const READ_BEFORE = (uri: string): string => `SHOW BACKUP FROM LATEST IN '${uri.replace(/'/g, "''")}'`;

/**
 * Writes a chain of `layers` layers of a cluster with `tables` tables in one database into the
 * collection, in the double's layout, without data files: the chain read reads only the
 * manifests (real manifests list every table and file too), and 1,000 tables × 49 layers of
 * SSTs would only slow the set-up.
 */
async function writeChain(store: CollectionStore, clusterId: string, tables: number, layers: number): Promise<void> {
  const databases = [
    { name: 'system', owner: 'node', tables: ['users', 'zones'] },
    { name: 'defaultdb', owner: 'root', tables: Array.from({ length: tables }, (_, i) => `table_${i}`) },
    { name: 'postgres', owner: 'root', tables: [] },
  ];
  const start = Date.now() - (layers + 1) * 3_600_000;
  const full = fullSubdir(new Date(start));
  let previous: string | null = null;
  let previousIso: string | null = null;
  for (let i = 0; i < layers; i += 1) {
    const end = new Date(start + i * 3_600_000);
    const endHlc = hlcDecimal(hlcFromDate(end, 123_457));
    const layer = buildLayer({ clusterId, kind: i === 0 ? 'full' : 'incremental', startTime: previousIso, endTime: end.toISOString(), startHlc: previous, endHlc, revisionHistory: true }, databases);
    await store.writeBackup(i === 0 ? full : incrementalDir(full, end), { manifest: layer.manifest, files: new Map() });
    [previous, previousIso] = [endHlc, end.toISOString()];
  }
  await store.writeLatest(full, new Date(start));
}

/**
 * What the Lambda's chain read costs per run against the double: the rows and bytes it
 * receives and the time of one read, before issue 21 (`SHOW BACKUP FROM LATEST IN`, one row
 * per object per layer) and after (`SELECT object_name, end_time FROM [SHOW BACKUP ...] WHERE
 * object_type = 'database'`, one row per database per layer), for each number of tables.
 */
export async function measureChainRead(tableCounts: readonly number[], layers: number, runs: number): Promise<ChainReadFigures[]> {
  const s3 = await startS3Server({ credentials: [ACCESS_KEY], buckets: [BUCKET] });
  const figures: ChainReadFigures[] = [];
  try {
    for (const tables of tableCounts) {
      const double = await CockroachDouble.start({ users: [BACKUP_USER], awsS3Endpoint: s3.endpoint });
      const collection = `${COLLECTION}-${tables}`;
      const store = new CollectionStore({ auth: 'specified', assumeRoles: [], bucket: BUCKET, prefix: collection, ...ACCESS_KEY, region: 'eu-west-1', endpoint: s3.endpoint });
      const session = await Session.open(parseConnectionSecret(connectionSecretFor(double), 'the connection secret', true), {
        tlsVerify: true,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 120_000,
        budget: Budget.fromNow(3_600_000),
      });
      try {
        await writeChain(store, double.clusterId, tables, layers);
        const uri = buildS3Uri(testSettings({ BUCKET_NAME: BUCKET, COLLECTION: collection }), ACCESS_KEY);
        const measure = async (read: () => Promise<unknown>): Promise<{ rows: number; bytes: number; ms: number }> => {
          const samples: number[] = [];
          for (let i = 0; i < runs; i += 1) {
            double.clearStatements();
            const started = nowMs();
            await read();
            samples.push(nowMs() - started);
          }
          const [statement] = double.statements;
          return { rows: statement.rowsSent ?? 0, bytes: statement.bytesSent ?? 0, ms: median(samples) };
        };
        const before = await measure(() => session.query('the chain read before', READ_BEFORE(uri)));
        const after = await measure(async () => {
          const chain = await readStoredChain(session, uri);
          if (chain?.incrementals !== layers - 1) throw new Error(`the chain read found ${chain?.incrementals} incrementals, expected ${layers - 1}`);
        });
        if (!double.statements[0].text.startsWith(buildChainRead(uri).slice(0, 40))) throw new Error('the chain read sent another statement');
        figures.push({ tables, layers, before, after });
      } finally {
        store.close();
        await session.close();
        await double.stop();
      }
    }
    return figures;
  } finally {
    await s3.stop();
  }
}

if (require.main === module) {
  measureChainRead([10, 1000], 49, 5).then(
    (figures) => {
      for (const f of figures) {
        process.stdout.write(
          `chain read, ${f.tables} tables x ${f.layers} layers: before ${f.before.rows} rows, ${f.before.bytes} B, ${f.before.ms.toFixed(1)} ms; after ${f.after.rows} rows, ${f.after.bytes} B, ${f.after.ms.toFixed(1)} ms\n`,
        );
      }
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
