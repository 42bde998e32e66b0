import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { ENV } from '../../../contract/environment';
import { COLLECTION_DIMENSION, collectionDimensionValue, METRICS } from '../../../contract/metrics';
import { parseDrillState } from '../../../lambda/backup/drill/drill-state';
import { BackupResult } from '../../../lambda/backup/report/result';
import { chainNameTime } from '../../../lambda/backup/observe/chain-names';
import { ACCESS_KEY, asRoot, BACKUP_USER, BUCKET, COLLECTION, collectionUri, Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { replicateCollection } from '../../support/aws/replication';
import { damageDataFile } from '../../support/storage-faults';
import { localS3Client } from '../../support/storage/s3-client';
import { CockroachVersion } from '../../support/cockroach-double';
import { StorageCredentials } from '../../../lib';
import { AccessKeyStore } from '../../support/aws/access-key-store';
import { startStsDouble, StsDouble } from '../../support/aws/sts-double';
import { keylessDeployment, TEMPLATE_ACCOUNT } from '../helpers/template-roles';

const guard = installSecretGuard();

const PARAMETER = '/cockroach-backup/prod/drill-state';
/** The off-site copy: another bucket of the same S3 (in AWS another account and region), filled by replication. */
const COPY_BUCKET = 'backup-bucket-offsite';
const COPY_REGION = 'eu-central-1';
const COPY_ENVIRONMENT = { [ENV.drillCopyBucketName]: COPY_BUCKET, [ENV.drillCopyBucketRegion]: COPY_REGION };
const COPY_LABEL = `off-site copy s3://${COPY_BUCKET}/${COLLECTION}`;

let harness: Harness;

/**
 * A harness per test with the copy's bucket in the same S3, drills on (the state parameter),
 * and the grants the README names for drills (RESTORE) and for `environment`'s storage mode.
 */
function withCopyHarness(options: { version?: CockroachVersion; environment?: Record<string, string> } = {}): void {
  beforeEach(async () => {
    harness = await Harness.start({ version: options.version, extraBuckets: [COPY_BUCKET], environment: { [ENV.drillStateParameter]: PARAMETER, ...options.environment } });
    harness.createParameter(PARAMETER);
    harness.double.grant(BACKUP_USER.name, 'RESTORE');
    if (options.environment?.[ENV.storageMode] === 'external-connection') harness.double.grant(BACKUP_USER.name, 'EXTERNALCONNECTION');
  });
  afterEach(async () => {
    await harness.stop();
  });
}

/** The replication rule's work up to now (test/support/aws/replication.ts). */
function replicate(): Promise<string[]> {
  return replicateCollection({ endpoint: harness.s3.endpoint, from: BUCKET, to: COPY_BUCKET, prefix: COLLECTION, credentials: ACCESS_KEY });
}

/** The last embedded-metric document and summary line the handler wrote. */
function published(): { metrics: Record<string, unknown>; summary: Record<string, unknown> } {
  const lines = guard.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { metrics: lines.filter((l) => l._aws !== undefined).pop()!, summary: lines.filter((l) => l.summary === 'backup run').pop()! };
}

/** The statements from the `from`-th on that read the collection or restore from it, as the cluster received them. */
function storageStatements(from = 0): string[] {
  return harness.double.statements
    .slice(from)
    .map((s) => s.text)
    .filter((text) => /^(RESTORE|SHOW BACKUP|SELECT .* FROM \[SHOW BACKUP)/.test(text));
}

async function drillDatabasesLeft(): Promise<string[]> {
  const rows = await asRoot(harness.double, 'SHOW DATABASES');
  return rows.map((row) => String(row.database_name)).filter((name) => name.startsWith('crdb_backup_drill_'));
}

function record(result: BackupResult): BackupResult {
  guard.inspect(result);
  return result;
}

describe.each(['23.1', '26.3'] as const)('restore drills of the off-site copy on CockroachDB %s', (version) => {
  withCopyHarness({ version });

  test('plans and restores every database from the copy alone, and says so in the result, the state, the log and nowhere in the metrics', async () => {
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    expect(await replicate()).toContainEqual(expect.stringMatching(/\/BACKUP_MANIFEST$/));
    // The primary loses a file after replication: a drill that read the primary would fail.
    await harness.damage('corrupt', { table: 'defaultdb.kv' });
    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const before = harness.double.statements.length;
    const result = record(await harness.lambda.run('restore-drill'));

    expect(result).toMatchObject({ action: 'passed', kind: 'restore-drill', drills: { location: { source: 'copy', bucket: COPY_BUCKET } } });
    expect(result.message.startsWith(`${COPY_LABEL}: restore drill of the chain `)).toBe(true);
    expect(result.drills!.ended.map((r) => [r.database, r.status, r.cleanup, r.location])).toEqual([
      ['defaultdb', 'succeeded', 'dropped', { source: 'copy', bucket: COPY_BUCKET }],
      ['postgres', 'succeeded', 'dropped', { source: 'copy', bucket: COPY_BUCKET }],
    ]);
    // SHOW BACKUPS, the chain read and every RESTORE name the copy, in its region; none the primary.
    const statements = storageStatements(before);
    expect(statements.filter((s) => s.startsWith('SHOW BACKUPS IN'))).toHaveLength(1);
    expect(statements.filter((s) => s.startsWith('RESTORE'))).toHaveLength(2);
    for (const statement of statements) {
      expect(statement).toContain(`'s3://${COPY_BUCKET}/${COLLECTION}?AWS_ACCESS_KEY_ID=`);
      expect(statement).toContain(`AWS_REGION=${COPY_REGION}'`);
      expect(statement).not.toContain(`s3://${BUCKET}/`);
    }
    expect(await drillDatabasesLeft()).toEqual([]);
    const { metrics, summary } = published();
    // Same metric names, same single dimension (the primary's collection): the alarms still see them.
    expect(metrics).toMatchObject({ [METRICS.drillSucceeded.name]: 2, [METRICS.drillFailed.name]: 0, [COLLECTION_DIMENSION]: collectionDimensionValue(BUCKET, COLLECTION) });
    expect((metrics._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0].Dimensions).toEqual([[COLLECTION_DIMENSION]]);
    expect(summary).toMatchObject({ level: 'INFO', action: 'passed', drills: { location: { source: 'copy', bucket: COPY_BUCKET } } });
    expect(parseDrillState(harness.parameters.get(PARAMETER)?.value).state).toMatchObject({ pending: [], newestSuccess: expect.any(String) });
  });

  test('a copy missing a data file fails the drill (DrillFailed) with an error that names the copy (the primary, which still holds the file, is not read)', async () => {
    await harness.lambda.run('full');
    await replicate();
    await damageDataFile({ endpoint: harness.s3.endpoint, bucket: COPY_BUCKET, prefix: COLLECTION, credentials: ACCESS_KEY }, 'delete', { table: 'defaultdb.kv' });
    harness.lambda.setEnvironment({ ...COPY_ENVIRONMENT, [ENV.drillDatabases]: 'defaultdb' });
    const { error } = await harness.lambda.invoke('restore-drill');

    expect(error?.message.startsWith(`${COPY_LABEL}: `)).toBe(true);
    const { metrics, summary } = published();
    const failed = (summary.drills as BackupResult['drills'])!.ended[0];
    expect(failed).toMatchObject({ database: 'defaultdb', status: 'failed', cleanup: 'dropped', location: { source: 'copy', bucket: COPY_BUCKET } });
    // CockroachDB's restore error for the object S3 no longer has (the double's wording); the run's message names the copy.
    expect(failed.error).toMatch(/s3 object does not exist: NoSuchKey/);
    expect(error?.message).toContain(failed.error);
    expect(metrics).toMatchObject({ [METRICS.drillFailed.name]: 1, [METRICS.drillSucceeded.name]: 0 });
    expect(summary.level).toBe('ERROR');
    expect(await drillDatabasesLeft()).toEqual([]);
  });

  test("a copy missing the full backup's manifest fails the drill: the copy holds no completed backup, and the message says where to look", async () => {
    await harness.lambda.run('full');
    const copied = await replicate();
    const manifest = copied.find((key) => /\/\d{4}\/\d\d\/\d\d-\d{6}\.\d\d\/BACKUP_MANIFEST$/.test(key))!;
    const client = localS3Client({ ...ACCESS_KEY, region: 'us-east-1', endpoint: harness.s3.endpoint });
    try {
      await client.send(new DeleteObjectCommand({ Bucket: COPY_BUCKET, Key: manifest }));
    } finally {
      client.destroy();
    }
    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const { error } = await harness.lambda.invoke('restore-drill');

    expect(error?.message).toBe(
      `${COPY_LABEL}: the copy holds no completed full backup to restore (is replication on? objects written before the replication rule need S3 Batch Replication; a full backup that just ended may not be replicated yet)`,
    );
    expect(published().metrics).toMatchObject({ [METRICS.drillFailed.name]: 1 });
    expect(storageStatements().filter((s) => s.startsWith('RESTORE'))).toEqual([]);
  });

  test('a drill of the copy that outlives its run is reported by the next backup run, whose log names the copy', async () => {
    await harness.lambda.run('full');
    await replicate();
    harness.lambda.setEnvironment({ ...COPY_ENVIRONMENT, [ENV.drillDatabases]: 'defaultdb' });
    harness.double.scriptNextJob({ outcome: 'failed', jobType: 'RESTORE', durationMs: 3000, error: 'running restore workers: node lost' });
    // 5 s before the Lambda timeout leave a budget of 2 s (handler.ts keeps 3 s for the summary).
    const drill = record(await harness.lambda.run('restore-drill', 5000));
    expect(drill).toMatchObject({ action: 'submitted', drills: { pending: [expect.objectContaining({ location: { source: 'copy', bucket: COPY_BUCKET } })] } });
    await harness.double.whenJobsSettled();

    const { error } = await harness.lambda.invoke('incremental');
    expect(error).toBeUndefined();
    const { metrics, summary } = published();
    expect(metrics).toMatchObject({ [METRICS.drillFailed.name]: 1, [METRICS.submitted.name]: 1 });
    expect((summary.drills as BackupResult['drills'])!.ended).toEqual([expect.objectContaining({ jobId: drill.jobId, status: 'failed', location: { source: 'copy', bucket: COPY_BUCKET } })]);
    const lines = guard.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: expect.stringMatching(new RegExp(`^restore drill of defaultdb from the off-site copy in bucket ${COPY_BUCKET} as of .* \\(job ${drill.jobId}, .*\\) ended failed: running restore workers: node lost$`)),
        location: { source: 'copy', bucket: COPY_BUCKET },
      }),
    );
  });

  test('a copy that lags (the newest layer not replicated yet) is drilled as far as it reaches: it passes, and the point restored shows the lag', async () => {
    harness.lambda.setEnvironment({ [ENV.revisionHistory]: 'false', [ENV.drillDatabases]: 'defaultdb' });
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    await replicate();
    await harness.lambda.run('incremental');

    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const fromCopy = record(await harness.lambda.run('restore-drill'));
    expect(fromCopy).toMatchObject({ action: 'passed', drills: { location: { source: 'copy' } } });

    // The same drill of the primary restores its newest layer, which the copy does not hold yet.
    harness.lambda.setEnvironment({ [ENV.drillCopyBucketName]: '', [ENV.drillCopyBucketRegion]: '' });
    const fromPrimary = record(await harness.lambda.run('restore-drill'));
    expect(fromPrimary).toMatchObject({ action: 'passed', drills: { location: { source: 'primary', bucket: BUCKET } } });
    expect(Date.parse(fromCopy.drills!.ended[0].asOf)).toBeLessThan(Date.parse(fromPrimary.drills!.ended[0].asOf));
    expect(fromCopy.message).toContain(`as of ${fromCopy.drills!.ended[0].asOf}`);
  });
});

describe('restore drills of the off-site copy in external-connection mode', () => {
  withCopyHarness({ version: '26.3', environment: { [ENV.storageMode]: 'external-connection', [ENV.externalConnectionName]: 'backup_prod' } });

  test('names the copy by its URI with the key, never by the external connection, which names the primary', async () => {
    await harness.lambda.run('full');
    await replicate();
    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const before = harness.double.statements.length;
    const result = record(await harness.lambda.run('restore-drill'));
    expect(result).toMatchObject({ action: 'passed', drills: { location: { source: 'copy', bucket: COPY_BUCKET } } });
    const drillStatements = harness.double.statements.slice(before).map((s) => s.text);
    expect(drillStatements.filter((s) => s.includes('external://') || /EXTERNAL CONNECTION/.test(s))).toEqual([]);
    expect(drillStatements.filter((s) => s.startsWith('RESTORE')).every((s) => s.includes(`IN 's3://${COPY_BUCKET}/${COLLECTION}?`))).toBe(true);
  });
});

describe('restore drills of the oldest point in the retention window, from the off-site copy', () => {
  withCopyHarness();

  test("plan the window from the copy's chains (SHOW BACKUPS, the older chain read) and restore the older chain from the copy", async () => {
    // Chain A: a full backup, and 3 seconds later an incremental; then chain B.
    await harness.lambda.run('full');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await harness.lambda.run('incremental');
    await harness.lambda.run('full');
    await harness.lambda.run('incremental');
    await replicate();
    const paths = (await asRoot(harness.double, `SHOW BACKUPS IN '${collectionUri()}'`)).map((row) => String(row.path)).sort();
    const olderEnd = chainNameTime(paths[0])!.getTime();
    // A window that starts 1.5 s after chain A's full backup: inside chain A, before chain B.
    const retentionSeconds = Math.ceil((Date.now() - (olderEnd + 1500)) / 1000);
    const lambda = harness.deploy(harness.double, { [ENV.drillStateParameter]: PARAMETER, [ENV.retentionSeconds]: String(retentionSeconds), [ENV.drillOldestInWindow]: 'true', ...COPY_ENVIRONMENT });
    const before = harness.double.statements.length;
    const result = record(await lambda.run('restore-drill'));

    expect(result).toMatchObject({ action: 'passed', drills: { location: { source: 'copy', bucket: COPY_BUCKET } } });
    expect(result.message).toContain('the oldest point in the window');
    const sent = storageStatements(before);
    expect(sent.filter((text) => text.startsWith('SHOW BACKUPS IN'))).toHaveLength(1);
    expect(sent.filter((text) => text.includes(`[SHOW BACKUP FROM '${paths[0]}' IN 's3://${COPY_BUCKET}/`))).toHaveLength(1);
    const restores = sent.filter((text) => text.startsWith('RESTORE'));
    expect(restores).toHaveLength(2);
    for (const statement of restores) expect(statement).toContain(`FROM '${paths[0]}' IN 's3://${COPY_BUCKET}/${COLLECTION}?`);
    for (const statement of sent) expect(statement).not.toContain(`s3://${BUCKET}/`);
  });
});

/**
 * Keyless storage (StorageCredentials.implicit(): the nodes' instance role assumes the
 * construct's BackupRole): the drill's copy URI carries the same AUTH=implicit&ASSUME_ROLE, and
 * the copy is read only when the role may read it (what the CDK side grants with a copy).
 */
describe('restore drills of the off-site copy with keyless storage', () => {
  const NODE_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/crdb-nodes`;
  let sts: StsDouble;

  async function start(roleBuckets: readonly string[]): Promise<AccessKeyStore> {
    const deployment = keylessDeployment(() => StorageCredentials.implicit(), roleBuckets);
    const keys = new AccessKeyStore();
    sts = await startStsDouble({ keys, roles: deployment.roles, identityPolicies: { [NODE_ROLE]: [deployment.backupRoleArn!] } });
    harness = await Harness.start({
      version: '26.3',
      s3Credentials: [],
      keys,
      extraBuckets: [COPY_BUCKET],
      nodes: { stsEndpoint: sts.endpoint, nodeCredentials: { instanceProfile: sts.sessionOf(NODE_ROLE, 'i-0123456789abcdef0', []) } },
      environment: { ...deployment.environment, [ENV.drillStateParameter]: PARAMETER },
    });
    harness.createParameter(PARAMETER);
    // docs/credentials.md: the grants of a keyless mode, and RESTORE for drills.
    harness.double.grant(BACKUP_USER.name, 'EXTERNALIOIMPLICITACCESS');
    harness.double.grant(BACKUP_USER.name, 'RESTORE');
    return keys;
  }

  /** Replication runs as S3's own replication role, not as the nodes: a key of its own in the shared store. */
  function replicateWith(keys: AccessKeyStore): Promise<string[]> {
    const replicationKey = keys.add({});
    return replicateCollection({ endpoint: harness.s3.endpoint, from: BUCKET, to: COPY_BUCKET, prefix: COLLECTION, credentials: replicationKey });
  }

  afterEach(async () => {
    await harness.stop();
    await sts.stop();
  });

  test('a role that may read the copy drills it, the URI keyless', async () => {
    const keys = await start([BUCKET, COPY_BUCKET]);
    await harness.lambda.run('full');
    await replicateWith(keys);
    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const before = harness.double.statements.length;
    const result = record(await harness.lambda.run('restore-drill'));
    expect(result).toMatchObject({ action: 'passed', drills: { location: { source: 'copy', bucket: COPY_BUCKET } } });
    const statements = storageStatements(before);
    expect(statements.length).toBeGreaterThan(2);
    for (const statement of statements) expect(statement).toMatch(new RegExp(`'s3://${COPY_BUCKET}/${COLLECTION}\\?AUTH=implicit&ASSUME_ROLE=[^']*&AWS_REGION=${COPY_REGION}'`));
  });

  test("a role without read on the copy fails the drill with S3's refusal, the message naming the copy", async () => {
    const keys = await start([BUCKET]);
    await harness.lambda.run('full');
    await replicateWith(keys);
    harness.lambda.setEnvironment(COPY_ENVIRONMENT);
    const { error } = await harness.lambda.invoke('restore-drill');
    expect(error?.message.startsWith(`${COPY_LABEL}: `)).toBe(true);
    expect(error?.message).toContain('AccessDenied');
    expect(published().metrics).toMatchObject({ [METRICS.drillFailed.name]: 1 });
  });
});
