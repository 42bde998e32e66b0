import { Client } from 'pg';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from '../lambda/helpers/secret-guard';
import { CockroachDouble, DoubleJob } from '../support/cockroach-double';
import { awsS3Uri, ROOT, submit } from '../support/helpers/fixture';
import { BUCKET, COLLECTION, RotationWorld, startRotationWorld } from './helpers/rotation-world';

/**
 * The promise of issue 13: a rotation never fails a backup job that is running. A job that
 * is running holds the key of its storage URI for its whole life (CockroachDB's nodes sign
 * every S3 request with it); the rotation makes a new key current but leaves the old one
 * active, so the job ends well. Only retiring the old key (here immediately, the leaked-key
 * case) fails a job that still carries it, with S3's InvalidAccessKeyId in the job's error.
 *
 * A job in flight is modelled as a job that resolved its destination (read the collection,
 * wrote its checkpoint with the old key), then paused, and writes its data and manifest when
 * resumed: the test decides when the rest of its S3 requests happen, without racing a timer.
 */
const guarded: string[] = [];
installSecretGuard(guarded);

const OLD_KEY = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY };

describe('a rotation while a backup job is running', () => {
  let world: RotationWorld;
  let double: CockroachDouble;
  let client: Client;
  beforeAll(async () => {
    world = await startRotationWorld({ guarded });
    double = await CockroachDouble.start({ users: [ROOT], awsS3Endpoint: world.s3.endpoint });
    client = new Client({ host: double.host, port: double.port, user: ROOT.name, password: ROOT.password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await double.stop();
    await world.close();
  });

  const job = (jobId: string): DoubleJob | undefined => double.jobs().find((j) => j.jobId === jobId);

  /** Submits a backup that stops in flight, after its first S3 requests, with `key` in its URI. */
  async function jobInFlight(statement: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<string> {
    double.scriptNextJob({ outcome: 'paused' });
    const jobId = await submit(client, statement, [awsS3Uri(COLLECTION, key, BUCKET)]);
    await double.whenJobsSettled();
    expect(job(jobId)?.status).toBe('paused');
    return jobId;
  }

  async function resume(jobId: string): Promise<DoubleJob | undefined> {
    await client.query('RESUME JOB $1', [jobId]);
    await double.whenJobsSettled();
    return job(jobId);
  }

  test('the job started with the old key succeeds after the rotation made a new key current', async () => {
    const jobId = await jobInFlight(`BACKUP INTO $1 AS OF SYSTEM TIME '-10s' WITH detached`, OLD_KEY);
    expect((await world.s3.listKeys(BUCKET, `${COLLECTION}/`)).some((k) => k.endsWith('/BACKUP-CHECKPOINT'))).toBe(true);

    await world.rotate();
    expect(world.keyIdAt('AWSCURRENT')).not.toBe(TEST_ACCESS_KEY_ID);
    expect(world.keyStates()[TEST_ACCESS_KEY_ID]).toBe('Active');

    expect(await resume(jobId)).toMatchObject({ status: 'succeeded', error: '' });
    expect((await world.s3.listKeys(BUCKET, `${COLLECTION}/`)).some((k) => k.endsWith('/BACKUP_MANIFEST'))).toBe(true);
  });

  test('the new key backs up the collection too', async () => {
    const newKey = world.keys.get(world.keyIdAt('AWSCURRENT') ?? '');
    if (newKey === undefined) throw new Error('no current key');
    const jobId = await submit(client, `BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-5s' WITH detached`, [awsS3Uri(COLLECTION, newKey, BUCKET)]);
    await double.whenJobsSettled();
    expect(job(jobId)).toMatchObject({ status: 'succeeded', error: '' });
  });

  test("retiring the old key immediately fails a job still carrying it, with S3's InvalidAccessKeyId in the job's error", async () => {
    const jobId = await jobInFlight(`BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-1s' WITH detached`, OLD_KEY);
    const retired = await world.invoke({ action: 'retire-previous-key', immediately: true });
    expect(retired.retiredKeyIds).toEqual([TEST_ACCESS_KEY_ID]);

    const failed = await resume(jobId);
    expect(failed?.status).toBe('failed');
    // The wording helper E's backup Lambda matches (test/support/storage/collection-store.ts, describeS3Error).
    expect(failed?.error).toMatch(/^failed to put s3 object: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records\.\n\tstatus code: 403, request id: [0-9A-F]+$/);
  });
});
