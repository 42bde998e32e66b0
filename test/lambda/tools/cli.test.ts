import { main, parseConnectionUrl, USAGE } from '../../../lambda/backup/tools/cli';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

const guard = installSecretGuard();

const env = { AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY, PGPASSWORD: TEST_PASSWORD };
const storage = ['--bucket', 'backup-bucket', '--collection', 'prod', '--region', 'eu-west-1'];

/** The comments above statements that name the collection: its URI with the key to fill in. */
const URI_INSTRUCTIONS = (extra = '') => [
  "-- <collection URI> below stands for the collection's URI (it holds the secret access key, so it is not printed):",
  `--   s3://backup-bucket/prod?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=<secret access key>&AWS_REGION=eu-west-1${extra}`,
  '-- with <secret access key> replaced by the secret access key from AWS_SECRET_ACCESS_KEY, URL-encoded (+ as %2B, / as %2F, = as %3D).',
];

async function run(argv: string[], environment: Record<string, string> = env): Promise<{ code: number; output: string }> {
  const printed: string[] = [];
  const code = await main(argv, environment, (line) => printed.push(line));
  const output = printed.join('\n');
  guard.inspect(output);
  return { code, output };
}

describe('local runner', () => {
  test('prints the incremental statement in a dry run, the URI as a placeholder to fill in, connecting to nothing', async () => {
    const { code, output } = await run([...storage, '--kind', 'incremental', '--dry-run', '--url', 'postgresql://backup@192.0.2.1:26257/db']);
    expect(code).toBe(0);
    expect(output.split('\n')).toEqual([...URI_INSTRUCTIONS(), "BACKUP INTO LATEST IN '<collection URI>' AS OF SYSTEM TIME '-10s' WITH DETACHED, revision_history"]);
  });

  test('with --storage-auth implicit and --assume-role prints the keyless URI and needs no key', async () => {
    const role = 'arn:aws:iam::123456789012:role/backup;external_id=crdb-backup-x';
    const { code, output } = await run([...storage, '--kind', 'full', '--dry-run', '--storage-auth', 'implicit', '--assume-role', role], { PGPASSWORD: TEST_PASSWORD });
    expect(code).toBe(0);
    expect(output).toBe(`BACKUP INTO 's3://backup-bucket/prod?AUTH=implicit&ASSUME_ROLE=${encodeURIComponent(role)}&AWS_REGION=eu-west-1' AS OF SYSTEM TIME '-10s' WITH DETACHED, revision_history`);
  });

  test('prints a full backup into the endpoint given on the command line', async () => {
    const { output } = await run([...storage, '--endpoint', 'http://127.0.0.1:9000', '--kind', 'full', '--dry-run']);
    expect(output.split('\n').slice(0, 3)).toEqual(URI_INSTRUCTIONS('&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000'));
    expect(output).toMatch(/^BACKUP INTO '<collection URI>' AS OF SYSTEM TIME/m);
  });

  test('prints the file check for --verify, under the statement timeout when FILE_CHECK_TIMEOUT_SECONDS is 0', async () => {
    const { code, output } = await run([...storage, '--verify', '--dry-run']);
    expect(code).toBe(0);
    expect(output.split('\n')).toEqual([...URI_INSTRUCTIONS(), '-- under statement_timeout 30000 ms', "SHOW BACKUP FROM LATEST IN '<collection URI>' WITH check_files"]);
  });

  test('prints the checks around a full backup when FILE_CHECK_TIMEOUT_SECONDS is set', async () => {
    const { output } = await run([...storage, '--kind', 'full', '--dry-run'], { ...env, FILE_CHECK_TIMEOUT_SECONDS: '120' });
    const statements = output.split('\n').filter((line) => !line.startsWith('--'));
    expect(statements.map((line) => line.split(' IN ')[0].split(" '")[0])).toEqual(['SHOW BACKUP FROM LATEST', 'BACKUP INTO', 'SHOW BACKUP FROM LATEST']);
    expect(output).toContain('-- the chain the full backup closes, under statement_timeout 120 s');
  });

  test('prints the restore and the cleanup of a drill for --drill, the URI as a placeholder', async () => {
    const { code, output } = await run([...storage, '--drill', '--dry-run']);
    expect(code).toBe(0);
    const lines = output.split('\n').slice(URI_INSTRUCTIONS().length);
    expect(lines[1]).toMatch(
      /^RESTORE DATABASE "<database>" FROM '<newest chain>' IN '<collection URI>' AS OF SYSTEM TIME '[^']+' WITH schema_only, verify_backup_table_data, new_db_name = 'crdb_backup_drill_<database>_\d{8}t\d{6}', DETACHED$/,
    );
    expect(lines[3]).toMatch(/^DROP DATABASE IF EXISTS "crdb_backup_drill_<database>_\d{8}t\d{6}" CASCADE$/);
    expect(lines[0]).toContain("as of the midpoint of the chain's full backup end and newest layer end");
  });

  test('prints a drill of the off-site copy for --drill-copy-bucket and --drill-copy-region: its URI, the same key, the secret kept out', async () => {
    const { code, output } = await run([...storage, '--drill', '--dry-run', '--drill-copy-bucket', 'backup-bucket-copy', '--drill-copy-region', 'eu-central-1']);
    expect(code).toBe(0);
    const lines = output.split('\n');
    expect(lines[1]).toBe(`--   s3://backup-bucket-copy/prod?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=<secret access key>&AWS_REGION=eu-central-1`);
    expect(lines.find((line) => line.startsWith('RESTORE'))).toMatch(/ IN '<collection URI>' /);
    expect(output).not.toContain('s3://backup-bucket/');
  });

  test('a backup ignores the off-site copy: it writes the primary', async () => {
    const { output } = await run([...storage, '--kind', 'incremental', '--dry-run', '--drill-copy-bucket', 'backup-bucket-copy', '--drill-copy-region', 'eu-central-1']);
    expect(output.split('\n')).toEqual([...URI_INSTRUCTIONS(), "BACKUP INTO LATEST IN '<collection URI>' AS OF SYSTEM TIME '-10s' WITH DETACHED, revision_history"]);
  });

  test('fails naming the flag when only one of the off-site copy flags is given', async () => {
    const { code, output } = await run([...storage, '--drill', '--dry-run', '--drill-copy-bucket', 'backup-bucket-copy']);
    expect(code).toBe(1);
    expect(output).toMatch(/^error: --drill-copy-region is not set while --drill-copy-bucket is 'backup-bucket-copy'/);
  });

  test('fails if --verify and --kind disagree', async () => {
    const { code, output } = await run([...storage, '--kind', 'full', '--verify', '--dry-run']);
    expect(code).toBe(1);
    expect(output).toMatch(/^error: --verify conflicts with --kind full/);
  });

  test('prints its usage with --help', async () => {
    const { code, output } = await run(['--help']);
    expect(code).toBe(0);
    expect(output).toBe(USAGE);
  });

  test('fails if a flag is unknown', async () => {
    const { code, output } = await run(['--bukcet', 'x']);
    expect(code).toBe(1);
    expect(output).toMatch(/^error: unknown argument '--bukcet'/);
  });

  test('fails naming the flag when a storage setting is invalid', async () => {
    const { code, output } = await run(['--bucket', 'Bad_Bucket', '--collection', 'prod', '--region', 'eu-west-1', '--kind', 'full', '--dry-run']);
    expect(code).toBe(1);
    expect(output).toMatch(/^error: --bucket is 'Bad_Bucket': expected an S3 bucket name/);
  });

  test('fails if the kind is missing', async () => {
    const { output } = await run([...storage, '--dry-run']);
    expect(output).toMatch(/^error: the event's kind is ""/);
  });

  test('fails if PGPASSWORD is not set', async () => {
    const { code, output } = await run([...storage, '--kind', 'full', '--url', 'postgresql://backup@127.0.0.1:1/db?sslrootcert=ca.pem'], {
      AWS_ACCESS_KEY_ID: TEST_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: TEST_SECRET_ACCESS_KEY,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/^error: PGPASSWORD is not set/);
  });
});

describe('parseConnectionUrl', () => {
  test('refuses a password in the URL', () => {
    expect(() => parseConnectionUrl(`postgresql://backup:${encodeURIComponent(TEST_PASSWORD)}@h:26257/db`, TEST_PASSWORD, false)).toThrow(
      '--url contains a password: put it in PGPASSWORD instead',
    );
  });

  test('requires sslrootcert when the certificate is verified', () => {
    expect(() => parseConnectionUrl('postgresql://backup@h:26257/db', TEST_PASSWORD, true)).toThrow(/--url has no sslrootcert/);
  });

  test('reads host, port, user and database', () => {
    expect(parseConnectionUrl('postgresql://backup@db.example.com:26258/bank', TEST_PASSWORD, false)).toMatchObject({
      host: 'db.example.com',
      port: 26258,
      username: 'backup',
      dbname: 'bank',
      ca: '',
    });
  });
});
