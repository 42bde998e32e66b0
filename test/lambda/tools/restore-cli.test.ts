import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client, types } from 'pg';
import { chooseChain, main, parseAsOf, RESTORE_USAGE } from '../../../lambda/backup/tools/restore-cli';
import { sqlTimestamp } from '../../../lambda/backup/drill/restore-statement';
import { SECRET_PLACEHOLDER, URI_PLACEHOLDER } from '../../../lambda/backup/tools/pasteable';
import { parseSqlTimestamp } from '../../../lambda/backup/observe/timestamp';
import { ACCESS_KEY, asRoot, BUCKET, collectionUri, COLLECTION, Harness, ROOT_USER } from '../helpers/harness';
import { replicateCollection } from '../../support/aws/replication';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

const guard = installSecretGuard();

const KEYS = { AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY };
const STORAGE = ['--bucket', BUCKET, '--collection', COLLECTION, '--region', 'eu-west-1'];
/** What the printed statements name the collection by: its URI holds the secret key. */
const PRINTED_URI = URI_PLACEHOLDER;
/** The URI the comments above a statement give, the key left for the operator to fill in. */
const URI_TEMPLATE = `s3://${BUCKET}/${COLLECTION}?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=${SECRET_PLACEHOLDER}&AWS_REGION=eu-west-1`;

async function run(argv: string[], env: Record<string, string | undefined> = { ...KEYS, PGPASSWORD: TEST_PASSWORD }): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(argv, env, (line) => lines.push(line));
  guard.inspect(lines.join('\n'));
  return { code, lines };
}

interface Chain {
  readonly subdirectory: string;
  /** Distinct layer end times, oldest first. */
  readonly ends: Date[];
}

/** The chains as root reads them, TIMESTAMP kept as text and read as UTC (independent of the helper's reading). */
async function chainsAsRoot(harness: Harness): Promise<Chain[]> {
  const client = new Client({
    host: harness.double.host,
    port: harness.double.port,
    user: ROOT_USER.name,
    password: ROOT_USER.password,
    database: 'defaultdb',
    ssl: { ca: harness.double.caCertificate },
    types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 1114 ? (v: string) => v : types.getTypeParser(oid, format)) },
  });
  await client.connect();
  try {
    const paths = (await client.query<{ path: string }>(`SHOW BACKUPS IN '${collectionUri()}'`)).rows.map((r) => r.path);
    const chains: Chain[] = [];
    for (const subdirectory of paths) {
      const rows = (await client.query<{ end_time: string }>(`SHOW BACKUP FROM '${subdirectory}' IN '${collectionUri()}'`)).rows;
      const ends = [...new Set(rows.map((r) => parseSqlTimestamp(r.end_time).getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
      chains.push({ subdirectory, ends });
    }
    return chains;
  } finally {
    await client.end();
  }
}

async function backupAsRoot(harness: Harness, statement: string): Promise<void> {
  const client = new Client({ host: harness.double.host, port: harness.double.port, user: ROOT_USER.name, password: ROOT_USER.password, database: 'defaultdb', ssl: { ca: harness.double.caCertificate } });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
  await harness.double.whenJobsSettled();
  // Layers end at distinct milliseconds, so that a time strictly between two exists.
  await new Promise((resolve) => setTimeout(resolve, 20));
}

const midpoint = (a: Date, b: Date): Date => new Date(Math.floor((a.getTime() + b.getTime()) / 2));

describe('restore helper against the CockroachDB double', () => {
  let harness: Harness;
  let url: string;
  let dir: string;
  let chains: Chain[];

  beforeAll(async () => {
    // 26.2 with use_backups_with_ids on for the helper's user (a role default): the helper must
    // still list chains by path and read every layer (docs/cockroachdb-behaviour.md section 3).
    harness = await Harness.start({ version: '26.2' });
    harness.double.alterRoleSet('backup', 'use_backups_with_ids', 'on');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-cli-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), harness.double.caCertificate);
    url = `postgresql://backup@${harness.double.host}:${harness.double.port}/defaultdb?sslrootcert=${path.join(dir, 'ca.crt')}`;
    // Two chains of a full backup and an incremental each, as the Lambda writes them.
    for (let chain = 0; chain < 2; chain += 1) {
      await backupAsRoot(harness, `BACKUP INTO '${collectionUri()}' WITH DETACHED, revision_history`);
      await backupAsRoot(harness, `BACKUP INTO LATEST IN '${collectionUri()}' WITH DETACHED, revision_history`);
    }
    chains = await chainsAsRoot(harness);
  });

  afterAll(async () => {
    await harness.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => harness.double.clearStatements());

  test('the double holds two chains of two layers each (the fixture the tests rely on)', () => {
    expect(chains.map((c) => c.ends.length)).toEqual([2, 2]);
  });

  test('prints the RESTORE of the older chain for a time inside it, as of that time, the URI as a placeholder', async () => {
    const asOf = midpoint(chains[0].ends[0], chains[0].ends[1]);
    const { code, lines } = await run(['--as-of', asOf.toISOString(), '--url', url, ...STORAGE]);
    expect(code).toBe(0);
    expect(lines[lines.length - 1]).toBe(
      `RESTORE FROM '${chains[0].subdirectory}' IN '${PRINTED_URI}' AS OF SYSTEM TIME '${sqlTimestamp(asOf)}' WITH DETACHED;`,
    );
  });

  test('picks the newer chain for a time inside it, for one database under a new name', async () => {
    const asOf = midpoint(chains[1].ends[0], chains[1].ends[1]);
    const { lines } = await run(['--as-of', sqlTimestamp(asOf).replace('+00:00', ''), '--database', 'bank', '--new-name', 'bank_before', '--url', url, ...STORAGE]);
    expect(lines[lines.length - 1]).toBe(
      `RESTORE DATABASE "bank" FROM '${chains[1].subdirectory}' IN '${PRINTED_URI}' AS OF SYSTEM TIME '${sqlTimestamp(asOf)}' WITH new_db_name = 'bank_before', DETACHED;`,
    );
  });

  const range = (chain: Chain) => `${chain.subdirectory} from ${sqlTimestamp(chain.ends[0])} to ${sqlTimestamp(chain.ends[1])}`;

  test('refuses a time before the oldest chain, naming the range of the chain after it', async () => {
    const before = new Date(chains[0].ends[0].getTime() - 60_000);
    const { code, lines } = await run(['--as-of', before.toISOString(), '--url', url, ...STORAGE]);
    expect(code).toBe(1);
    expect(lines[0]).toBe(`error: cannot restore as of ${sqlTimestamp(before)}: no chain covers it; the nearest chains cover: ${range(chains[0])}`);
  });

  test('refuses the gap between two chains, naming the ranges on both sides', async () => {
    const gap = midpoint(chains[0].ends[1], chains[1].ends[0]);
    const { code, lines } = await run(['--as-of', gap.toISOString(), '--url', url, ...STORAGE]);
    expect(code).toBe(1);
    expect(lines[0]).toBe(`error: cannot restore as of ${sqlTimestamp(gap)}: no chain covers it; the nearest chains cover: ${range(chains[0])}; ${range(chains[1])}`);
  });

  test('reads only the chain that covers the time, not every chain of the collection', async () => {
    await run(['--as-of', midpoint(chains[0].ends[0], chains[0].ends[1]).toISOString(), '--url', url, ...STORAGE]);
    const reads = harness.double.statements.filter((s) => s.user === 'backup' && s.text.includes('[SHOW BACKUP FROM'));
    expect(reads.map((s) => /\[SHOW BACKUP FROM ('[^']*')/.exec(s.text)?.[1])).toEqual([`'${chains[0].subdirectory}'`]);
  });

  test('sends only SHOW BACKUP statements (and the chain view pinned) without --execute, and the printed RESTORE with it', async () => {
    const asOf = chains[1].ends[1];
    const printed = await run(['--as-of', asOf.toISOString(), '--url', url, ...STORAGE]);
    expect(harness.double.statements.filter((s) => s.user === 'backup').map((s) => s.text.replace(/'[^']*'/g, "'...'"))).toEqual([
      'SET use_backups_with_ids = false',
      "SHOW BACKUPS IN '...'",
      "SELECT object_name, end_time FROM [SHOW BACKUP FROM '...' IN '...'] WHERE object_type = '...'",
    ]);
    harness.double.clearStatements();
    await run(['--as-of', asOf.toISOString(), '--url', url, '--execute', ...STORAGE]);
    const restores = harness.double.statements.filter((s) => s.text.startsWith('RESTORE'));
    // The statement the cluster received is the printed one with the URI filled in as the comments say.
    const filledIn = URI_TEMPLATE.replace(SECRET_PLACEHOLDER, encodeURIComponent(TEST_SECRET_ACCESS_KEY));
    expect(restores.map((s) => s.text)).toEqual([printed.lines[printed.lines.length - 1].replace(/;$/, '').replace(URI_PLACEHOLDER, filledIn)]);
  });

  test('reads the key from the secret --access-key-secret names, and never prints it', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:RestoreReaderKeySecret-AbCdEf';
    harness.serve(arn, () => JSON.stringify(ACCESS_KEY));
    const { code, lines } = await run(['--as-of', chains[1].ends[1].toISOString(), '--url', url, '--access-key-secret', arn, ...STORAGE], {
      PGPASSWORD: TEST_PASSWORD,
    });
    expect(code).toBe(0);
    expect(lines[lines.length - 1]).toContain(`IN '${PRINTED_URI}'`);
    expect(lines).toContain(`-- with ${SECRET_PLACEHOLDER} replaced by the secret access key from the secretAccessKey field of ${arn}, URL-encoded (+ as %2B, / as %2F, = as %3D).`);
    expect(harness.secretFetches()).toBeGreaterThan(0);
  });

  test("logs in with a client certificate (libpq's sslcert and sslkey in --url) and no password", async () => {
    const certificate = harness.double.clientCertificate('backup');
    fs.writeFileSync(path.join(dir, 'client.backup.crt'), certificate.certificate);
    fs.writeFileSync(path.join(dir, 'client.backup.key'), certificate.privateKey, { mode: 0o600 });
    const certificateUrl = `${url}&sslcert=${path.join(dir, 'client.backup.crt')}&sslkey=${path.join(dir, 'client.backup.key')}`;
    const { code, lines } = await run(['--as-of', chains[1].ends[1].toISOString(), '--url', certificateUrl, ...STORAGE], KEYS);
    expect(code).toBe(0);
    expect(lines[lines.length - 1]).toMatch(/^RESTORE FROM '/);
    expect(harness.double.statements.filter((s) => s.user === 'backup').map((s) => s.text.split(' ').slice(0, 2).join(' '))).toEqual(['SET use_backups_with_ids', 'SHOW BACKUPS', 'SELECT object_name,']);
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
  });

  test('refuses sslcert without sslkey, and no password without a certificate', async () => {
    const half = await run(['--as-of', chains[1].ends[1].toISOString(), '--url', `${url}&sslcert=${path.join(dir, 'ca.crt')}`, ...STORAGE], KEYS);
    expect([half.code, half.lines[0]]).toEqual([1, expect.stringMatching(/^error: --url has sslcert without sslkey: a certificate login needs both files/)]);
    const none = await run(['--as-of', chains[1].ends[1].toISOString(), '--url', url, ...STORAGE], KEYS);
    expect([none.code, none.lines[0]]).toEqual([1, expect.stringMatching(/^error: PGPASSWORD is not set: expected the password of the SQL user, or sslcert and sslkey in --url/)]);
  });

  test('without revision history restores a chain only to its newest end, without AS OF SYSTEM TIME', async () => {
    const env = { ...KEYS, PGPASSWORD: TEST_PASSWORD, REVISION_HISTORY: 'false' };
    const newest = await run(['--as-of', chains[0].ends[1].toISOString(), '--url', url, ...STORAGE], env);
    expect(newest.lines[newest.lines.length - 1]).toBe(`RESTORE FROM '${chains[0].subdirectory}' IN '${PRINTED_URI}' WITH DETACHED;`);
    const inside = await run(['--as-of', midpoint(chains[0].ends[0], chains[0].ends[1]).toISOString(), '--url', url, ...STORAGE], env);
    expect(inside.code).toBe(1);
    expect(inside.lines[0]).toMatch(/without revision history only a chain's newest end time can be restored here/);
  });
});

describe('restore helper without a cluster', () => {
  test('prints LATEST as of the time, unchecked, connecting to nothing', async () => {
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...STORAGE]);
    expect(code).toBe(0);
    expect(lines).toEqual([
      '-- Not checked against the collection (no --url): LATEST may not cover 2026-11-20 14:04:59.000000+00:00.',
      "-- <collection URI> below stands for the collection's URI (it holds the secret access key, so it is not printed):",
      `--   ${URI_TEMPLATE}`,
      '-- with <secret access key> replaced by the secret access key from AWS_SECRET_ACCESS_KEY, URL-encoded (+ as %2B, / as %2F, = as %3D).',
      `RESTORE FROM LATEST IN '<collection URI>' AS OF SYSTEM TIME '2026-11-20 14:04:59.000000+00:00' WITH DETACHED;`,
    ]);
  });

  test('prints an external connection as it is: it holds no secret', async () => {
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...STORAGE], { ...KEYS, STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' });
    expect(code).toBe(0);
    expect(lines.slice(1)).toEqual([`RESTORE FROM LATEST IN 'external://prod_backups' AS OF SYSTEM TIME '2026-11-20 14:04:59.000000+00:00' WITH DETACHED;`]);
  });

  test('prints its usage with --help', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, lines: [RESTORE_USAGE] });
  });

  test.each([
    [['--as-of', '2026-11-20 14:04:59', '--new-name', 'x', ...STORAGE], /^error: --new-name needs --database/],
    [['--as-of', '2026-11-20 14:04:59', '--execute', ...STORAGE], /^error: --execute needs --url/],
    [['--as-of', 'yesterday', ...STORAGE], /^error: --as-of is 'yesterday': expected a UTC time/],
    [STORAGE, /^error: --as-of is missing/],
    [['--as-of', '2026-11-20 14:04:59', '--bukcet', 'x'], /^error: unknown argument '--bukcet'/],
    [['--as-of', '2026-11-20 14:04:59', '--bucket', 'Bad_Bucket', '--collection', 'c', '--region', 'eu-west-1'], /^error: --bucket is 'Bad_Bucket'/],
  ])('fails for %j', async (argv, message) => {
    const { code, lines } = await run(argv);
    expect(code).toBe(1);
    expect(lines[0]).toMatch(message);
  });

  test('with --storage-auth implicit and --assume-role prints a keyless URI and reads no key', async () => {
    const chain = 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab,arn:aws:iam::123456789012:role/backup;external_id=crdb-backup-x';
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...STORAGE, '--storage-auth', 'implicit', '--assume-role', chain], {});
    expect(code).toBe(0);
    expect(lines[1]).toBe(
      `RESTORE FROM LATEST IN 's3://${BUCKET}/${COLLECTION}?AUTH=implicit&ASSUME_ROLE=${encodeURIComponent(chain)}&AWS_REGION=eu-west-1' AS OF SYSTEM TIME '2026-11-20 14:04:59.000000+00:00' WITH DETACHED;`,
    );
  });

  test.each([
    [['--storage-auth', 'implicit', '--access-key-secret', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:k'], /^error: --access-key-secret is set with --storage-auth implicit/],
    [['--assume-role', 'arn:aws:iam::123456789012:role/x'], /^error: --assume-role is 'arn:aws:iam::123456789012:role\/x': expected it only with --storage-auth=implicit/],
    [['--storage-auth', 'implicit', '--assume-role', 'role/x'], /^error: --assume-role is 'role\/x': role 1 \('role\/x'\) is not an IAM role ARN/],
  ])('refuses keyless flags that do not fit: %j', async (flags, message) => {
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...STORAGE, ...flags], {});
    expect(code).toBe(1);
    expect(lines[0]).toMatch(message);
  });

  test('fails without a key, naming where it looked', async () => {
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...STORAGE], {});
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^error: the environment \(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; or pass --access-key-secret\) has no field "accessKeyId"/);
  });
});

describe('parseAsOf', () => {
  test.each([
    ['2026-11-20 14:04:59', '2026-11-20T14:04:59.000Z'],
    ['2026-11-20 14:04:59.123456', '2026-11-20T14:04:59.123Z'],
    ['2026-11-20T15:04:59+01:00', '2026-11-20T14:04:59.000Z'],
    ['2026-11-20T14:04:59Z', '2026-11-20T14:04:59.000Z'],
  ])('reads %s as %s (UTC without a zone)', (text, iso) => {
    expect(parseAsOf(text).toISOString()).toBe(iso);
  });
});

describe('chooseChain', () => {
  const chain = (subdirectory: string, from: string, to: string) => ({ subdirectory, fullEnd: new Date(from), newestEnd: new Date(to) });
  const a = chain('/2026/11/18-235950.00', '2026-11-18T23:59:50Z', '2026-11-19T22:59:50Z');
  const b = chain('/2026/11/19-235950.00', '2026-11-19T23:59:50Z', '2026-11-20T15:59:50Z');

  test('takes the chain whose full end and newest end enclose the time, ends included', () => {
    expect(chooseChain([a, b], new Date('2026-11-19T23:59:50Z'), true).chain).toBe(b);
    expect(chooseChain([a, b], new Date('2026-11-19T22:59:50Z'), true).chain).toBe(a);
  });

  test('says the collection is empty when it holds no chain', () => {
    expect(() => chooseChain([], new Date('2026-11-19T12:00:00Z'), true)).toThrow(/no chain covers it; the collection holds no completed backup/);
  });
});

describe('restore helper on the off-site copy', () => {
  const COPY_BUCKET = 'backup-bucket-offsite';
  const COPY_STORAGE = ['--bucket', COPY_BUCKET, '--collection', COLLECTION, '--region', 'eu-central-1'];
  let harness: Harness;
  let dir: string;

  beforeEach(async () => {
    harness = await Harness.start({ version: '26.3', extraBuckets: [COPY_BUCKET] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-cli-copy-'));
    fs.writeFileSync(path.join(dir, 'ca.crt'), harness.double.caCertificate);
  });
  afterEach(async () => {
    await harness.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("prints statements that name the copy's bucket and region, the secret key kept out", async () => {
    const { code, lines } = await run(['--as-of', '2026-11-20 14:04:59', ...COPY_STORAGE, '--database', 'bank']);
    expect(code).toBe(0);
    expect(lines[2]).toBe(`--   s3://${COPY_BUCKET}/${COLLECTION}?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=${SECRET_PLACEHOLDER}&AWS_REGION=eu-central-1`);
    expect(lines[4]).toBe(`RESTORE DATABASE "bank" FROM LATEST IN '${URI_PLACEHOLDER}' AS OF SYSTEM TIME '2026-11-20 14:04:59.000000+00:00' WITH DETACHED;`);
    expect(lines.join('\n')).not.toContain(`s3://${BUCKET}/`);
  });

  test('restores a database from the copy with --execute, though the primary lost a file after replication', async () => {
    await harness.lambda.run('full');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await harness.lambda.run('incremental');
    const [chain] = await chainsAsRoot(harness);
    await replicateCollection({ endpoint: harness.s3.endpoint, from: BUCKET, to: COPY_BUCKET, prefix: COLLECTION, credentials: ACCESS_KEY });
    await harness.damage('delete', { table: 'defaultdb.kv' });
    const url = `postgresql://root@${harness.double.host}:${harness.double.port}/defaultdb?sslrootcert=${path.join(dir, 'ca.crt')}`;
    const asOf = midpoint(chain.ends[0], chain.ends[1]);
    const { code, lines } = await run(
      ['--as-of', asOf.toISOString(), '--url', url, ...COPY_STORAGE, '--database', 'defaultdb', '--new-name', 'defaultdb_from_copy', '--execute'],
      { ...KEYS, PGPASSWORD: ROOT_USER.password },
    );
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/-- Restore job \d+ started/);
    await harness.double.whenJobsSettled();
    const restore = harness.double.statements.map((s) => s.text).find((text) => text.startsWith('RESTORE'))!;
    expect(restore).toContain(`IN 's3://${COPY_BUCKET}/${COLLECTION}?`);
    const names = (await asRoot(harness.double, 'SHOW DATABASES')).map((row) => String(row.database_name));
    expect(names).toContain('defaultdb_from_copy');
  });
});
