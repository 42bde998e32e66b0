import { AccessKeyStore } from '../support/aws/access-key-store';
import { S3TestServer, startS3Server } from '../support/aws/s3-server';
import { StsDouble, startStsDouble } from '../support/aws/sts-double';
import { CockroachDouble, NodeCredentialSources } from '../support/cockroach-double';
import { BUCKET, ROOT, jobRow, sqlError, submit } from '../support/helpers/fixture';
import { Client } from 'pg';
import { localS3Client } from '../support/storage/s3-client';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';

const ACCOUNT = '123456789012';
const NODE_ROLE = `arn:aws:iam::${ACCOUNT}:role/crdb-nodes`;
/** CockroachDB Cloud: the pods' own role (IRSA), and the cluster's identity role it may assume. */
const POD_ROLE = `arn:aws:iam::${ACCOUNT}:role/crl-cluster-pods`;
const IDENTITY_ROLE = `arn:aws:iam::${ACCOUNT}:role/crl-dr-store-user-0123456789ab`;
const BACKUP_ROLE = `arn:aws:iam::${ACCOUNT}:role/backup-writer`;
const ACCOUNT_ROLE = `arn:aws:iam::${ACCOUNT}:role/account-trusting`;
const EXTERNAL_ID = 'crdb-backup-test';
const IMPLICIT_USER = { name: 'keyless', password: 'keyless-password', systemPrivileges: ['BACKUP', 'EXTERNALIOIMPLICITACCESS'] } as const;
const BACKUP_ONLY = { name: 'backup_only', password: 'backup-password', systemPrivileges: ['BACKUP'] } as const;

const trusting = (principal: string, externalId?: string) => ({
  Statement: [
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: principal },
      ...(externalId === undefined ? {} : { Condition: { StringEquals: { 'sts:ExternalId': externalId } } }),
    },
  ],
});

const uri = (prefix: string, query: string): string => `s3://${BUCKET}/${prefix}?AWS_REGION=us-east-1&${query}`;
const chain = (...roles: string[]): string => `AUTH=implicit&ASSUME_ROLE=${encodeURIComponent(roles.join(','))}`;

/**
 * Keyless storage access (docs/cockroachdb-behaviour.md section 4; pkg/cloud/amazon/s3_storage.go):
 * the nodes take their own credentials from the SDK's chain for AUTH=implicit, assume the
 * ASSUME_ROLE roles in order through STS, and S3 accepts the temporary credentials with their
 * session token only. STS admits a caller only as the role's trust policy says.
 */
describe('keyless storage: AUTH=implicit, ASSUME_ROLE, STS and session tokens', () => {
  let keys: AccessKeyStore;
  let s3: S3TestServer;
  let sts: StsDouble;
  const doubles: CockroachDouble[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    keys = new AccessKeyStore();
    s3 = await startS3Server({ credentials: [], buckets: [BUCKET, 'other-bucket'], keys });
    sts = await startStsDouble({
      keys,
      roles: [
        { arn: IDENTITY_ROLE, trustPolicy: trusting(POD_ROLE) },
        { arn: BACKUP_ROLE, trustPolicy: trusting(IDENTITY_ROLE, EXTERNAL_ID), buckets: [BUCKET] },
        { arn: `${BACKUP_ROLE}-nodes`, trustPolicy: trusting(NODE_ROLE), buckets: [BUCKET] },
        { arn: ACCOUNT_ROLE, trustPolicy: trusting(`arn:aws:iam::${ACCOUNT}:root`), buckets: [BUCKET] },
      ],
      identityPolicies: { [NODE_ROLE]: [ACCOUNT_ROLE] },
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    for (const double of doubles) await double.stop();
    await sts.stop();
    await s3.stop();
  });

  async function cluster(nodeCredentials?: NodeCredentialSources): Promise<Client> {
    const double = await CockroachDouble.start({ users: [ROOT, IMPLICIT_USER, BACKUP_ONLY], awsS3Endpoint: s3.endpoint, stsEndpoint: sts.endpoint, nodeCredentials });
    doubles.push(double);
    const client = new Client({ host: double.host, port: double.port, user: IMPLICIT_USER.name, password: IMPLICIT_USER.password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  }

  async function backUp(client: Client, target: string): Promise<{ status: string; error: string }> {
    const jobId = await submit(client, 'BACKUP INTO $1 WITH detached', [target]);
    await doubles[doubles.length - 1].whenJobsSettled();
    const admin = new Client({ host: doubles[doubles.length - 1].host, port: doubles[doubles.length - 1].port, user: ROOT.name, password: ROOT.password, database: 'defaultdb', ssl: { ca: doubles[doubles.length - 1].caCertificate } });
    clients.push(admin);
    await admin.connect();
    return jobRow(admin, jobId);
  }

  test("AUTH=implicit writes with the node's own role session (instance profile)", async () => {
    const client = await cluster({ instanceProfile: sts.sessionOf(NODE_ROLE, 'i-0abc', [BUCKET]) });
    expect(await backUp(client, uri('own-identity', 'AUTH=implicit'))).toMatchObject({ status: 'succeeded', error: '' });
    expect((await s3.listKeys(BUCKET, 'own-identity/')).some((key) => key.endsWith('/BACKUP_MANIFEST'))).toBe(true);
  });

  test('the chain takes the first source: environment before web identity before instance profile', async () => {
    // The environment's session may not use the bucket, the instance profile's may: the environment wins, so the job fails.
    const client = await cluster({
      environment: sts.sessionOf(NODE_ROLE, 'env', ['other-bucket']),
      instanceProfile: sts.sessionOf(NODE_ROLE, 'imds', [BUCKET]),
    });
    const job = await backUp(client, uri('chain-order', 'AUTH=implicit'));
    expect(job.status).toBe('failed');
    expect(job.error).toContain('AccessDenied');
  });

  test('a node without any credentials fails the job with the SDK NoCredentialProviders error', async () => {
    const client = await cluster();
    const job = await backUp(client, uri('no-identity', 'AUTH=implicit'));
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/NoCredentialProviders: no valid providers in chain/);
  });

  test('ASSUME_ROLE chains the identity role and a role that trusts it with the external id (CockroachDB Cloud)', async () => {
    const client = await cluster({ webIdentity: sts.sessionOf(POD_ROLE, 'pod', []) });
    const before = sts.calls.length;
    const job = await backUp(client, uri('cloud', chain(IDENTITY_ROLE, `${BACKUP_ROLE};external_id=${EXTERNAL_ID}`)));
    expect(job).toMatchObject({ status: 'succeeded', error: '' });
    // In order, each with the previous step's credentials; the external id only where the URI gives it.
    expect(sts.calls.slice(before).map((c) => [c.roleArn, c.callerArn.replace(/\/aws-go-sdk-\d+$/, '/<session>'), c.externalId, c.outcome])).toEqual([
      [IDENTITY_ROLE, `arn:aws:sts::${ACCOUNT}:assumed-role/crl-cluster-pods/pod`, undefined, 'issued'],
      [BACKUP_ROLE, `arn:aws:sts::${ACCOUNT}:assumed-role/crl-dr-store-user-0123456789ab/<session>`, EXTERNAL_ID, 'issued'],
    ]);
  });

  test('a wrong or missing external id is refused with STS AccessDenied naming the caller and the role', async () => {
    const client = await cluster({ webIdentity: sts.sessionOf(IDENTITY_ROLE, 'crl', []) });
    for (const role of [`${BACKUP_ROLE};external_id=wrong-id`, BACKUP_ROLE]) {
      const job = await backUp(client, uri(`refused-${role.length}`, chain(role)));
      expect(job.status).toBe('failed');
      expect(job.error).toContain(`AccessDenied: User: arn:aws:sts::${ACCOUNT}:assumed-role/crl-dr-store-user-0123456789ab/crl is not authorized to perform: sts:AssumeRole on resource: ${BACKUP_ROLE}`);
    }
  });

  test('a role trusted by the account is assumed only by a caller whose own policy allows it', async () => {
    const allowed = await cluster({ instanceProfile: sts.sessionOf(NODE_ROLE, 'i-1', []) });
    expect(await backUp(allowed, uri('account-trust', chain(ACCOUNT_ROLE)))).toMatchObject({ status: 'succeeded' });
    const other = await cluster({ instanceProfile: sts.sessionOf(`arn:aws:iam::${ACCOUNT}:role/other`, 'i-2', []) });
    expect((await backUp(other, uri('account-trust-2', chain(ACCOUNT_ROLE)))).error).toContain('not authorized to perform: sts:AssumeRole');
  });

  test('SHOW BACKUPS with a refused role fails the statement, and a non-admin without EXTERNALIOIMPLICITACCESS is refused first', async () => {
    const client = await cluster({ instanceProfile: sts.sessionOf(`arn:aws:iam::${ACCOUNT}:role/other`, 'i-3', []) });
    expect((await sqlError(client.query('SHOW BACKUPS IN $1', [uri('x', chain(BACKUP_ROLE))]))).message).toContain('not authorized to perform: sts:AssumeRole');
    const double = doubles[doubles.length - 1];
    const plain = new Client({ host: double.host, port: double.port, user: BACKUP_ONLY.name, password: BACKUP_ONLY.password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
    clients.push(plain);
    await plain.connect();
    const refused = await sqlError(plain.query('BACKUP INTO $1 WITH detached', [uri('x', 'AUTH=implicit')]));
    expect({ code: refused.code, message: refused.message }).toEqual({
      code: '42501',
      message: 'only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI',
    });
  });

  test('S3 refuses temporary credentials without their session token', async () => {
    const session = sts.sessionOf(NODE_ROLE, 'tokenless', [BUCKET]);
    const client = localS3Client({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, region: 'us-east-1', endpoint: s3.endpoint });
    await expect(client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'InvalidToken' });
    const withToken = localS3Client({ ...session, region: 'us-east-1', endpoint: s3.endpoint });
    await expect(withToken.send(new ListObjectsV2Command({ Bucket: BUCKET }))).resolves.toBeDefined();
    client.destroy();
    withToken.destroy();
  });
});
