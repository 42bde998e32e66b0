import * as iam from 'aws-cdk-lib/aws-iam';
import { Stack } from 'aws-cdk-lib';
import { ENV } from '../../../contract/environment';
import { StorageCredentials } from '../../../lib';
import { AccessKeyStore } from '../../support/aws/access-key-store';
import { StsDouble, StsRole, startStsDouble } from '../../support/aws/sts-double';
import { CockroachVersion, NodeCredentialSources } from '../../support/cockroach-double';
import { BACKUP_USER, BUCKET, COLLECTION, Harness } from '../helpers/harness';
import { findSecrets, installSecretGuard } from '../helpers/secret-guard';
import { keylessDeployment, KeylessDeployment, TEMPLATE_ACCOUNT } from '../helpers/template-roles';
import { LIFECYCLE_VERSIONS } from '../helpers/versions';

const guard = installSecretGuard();

const PARAMETER = '/cockroach-backup/keyless/drill-state';
/** CockroachDB Cloud: the cluster pods' own role (IRSA) and the cluster's identity role, which trusts it. */
const POD_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/crl-cluster-pods`;
const IDENTITY_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/crl-dr-store-user-0123456789ab`;
/** Another cluster's identity role: what an operator passes by mistake. */
const OTHER_IDENTITY_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/crl-dr-store-user-ba9876543210`;
/** Self-hosted: the role of the nodes' instance profile (or IRSA). */
const NODE_ROLE = `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/crdb-nodes`;

const identityRoles: StsRole[] = [
  { arn: IDENTITY_ROLE, trustPolicy: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: POD_ROLE } }] } },
  { arn: OTHER_IDENTITY_ROLE, trustPolicy: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: `${POD_ROLE}-other` } }] } },
];

interface Mode {
  readonly name: string;
  /** The construct's credentials as the user writes them (synthesized for the trust policies and the Lambda's variables). */
  readonly credentials: (stack: Stack) => StorageCredentials;
  /** The nodes' own identity, from the fake STS. */
  readonly nodes: (sts: StsDouble, deployment: KeylessDeployment) => NodeCredentialSources;
  /** What the nodes' role may assume by its own policy (a role trusted by the account needs it). */
  readonly identityPolicies: (deployment: KeylessDeployment) => Record<string, string[]>;
  /** How the nodes fail when set up wrong, and the advice the run must give. */
  readonly refused: { readonly credentials?: (stack: Stack) => StorageCredentials; readonly nodes?: (sts: StsDouble) => NodeCredentialSources; readonly identityPolicies?: Record<string, string[]>; readonly error: RegExp; readonly advice: string };
}

const MODES: readonly Mode[] = [
  {
    name: 'cloudIdentityRole (CockroachDB Cloud)',
    credentials: () => StorageCredentials.cloudIdentityRole(IDENTITY_ROLE),
    nodes: (sts) => ({ webIdentity: sts.sessionOf(POD_ROLE, 'crdb-pod', []) }),
    identityPolicies: () => ({}),
    refused: {
      credentials: () => StorageCredentials.cloudIdentityRole(OTHER_IDENTITY_ROLE),
      error: new RegExp(`AccessDenied: User: arn:aws:sts::${TEMPLATE_ACCOUNT}:assumed-role/crl-cluster-pods/crdb-pod is not authorized to perform: sts:AssumeRole on resource: ${OTHER_IDENTITY_ROLE}`),
      advice: 'crl-dr-store-user-<last 12 characters of the cluster id>',
    },
  },
  {
    name: 'implicit() with the role it creates (self-hosted)',
    credentials: () => StorageCredentials.implicit(),
    nodes: (sts) => ({ instanceProfile: sts.sessionOf(NODE_ROLE, 'i-0123456789abcdef0', []) }),
    identityPolicies: (deployment) => ({ [NODE_ROLE]: [deployment.backupRoleArn!] }),
    refused: {
      // The nodes' role was never given sts:AssumeRole on the BackupRole (storageRole.grantAssumeRole).
      identityPolicies: {},
      error: /AccessDenied: User: arn:aws:sts::123456789012:assumed-role\/crdb-nodes\/i-0123456789abcdef0 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role\/BackupBackupRole/,
      advice: 'storageRole.grantAssumeRole(nodesRole)',
    },
  },
  {
    name: "implicit({ nodeRole }) (the nodes' own role holds the policy)",
    credentials: (stack) => StorageCredentials.implicit({ nodeRole: iam.Role.fromRoleArn(stack, 'Nodes', NODE_ROLE) }),
    nodes: (sts) => ({ instanceProfile: sts.sessionOf(NODE_ROLE, 'i-0123456789abcdef0', [BUCKET]) }),
    identityPolicies: () => ({}),
    refused: {
      // Nodes without an instance profile: no AssumeRole to refuse, the SDK finds no credentials.
      nodes: () => ({}),
      error: /NoCredentialProviders: no valid providers in chain/,
      advice: 'give the EC2 instances an instance profile',
    },
  },
];

/**
 * The Lambda's lifecycle in each keyless mode, on the version matrix: the trust policies and the
 * Lambda's variables come from the synthesized template, the nodes obtain their credentials as
 * CockroachDB does (the SDK chain, then ASSUME_ROLE through the fake STS), and S3 sees only
 * temporary credentials. No access key exists: the access-key secret is never read.
 */
describe.each(MODES)('keyless storage: $name', (mode) => {
  let deployment: KeylessDeployment;
  let refusedDeployment: KeylessDeployment;
  beforeAll(() => {
    deployment = keylessDeployment(mode.credentials, [BUCKET]);
    refusedDeployment = mode.refused.credentials === undefined ? deployment : keylessDeployment(mode.refused.credentials, [BUCKET]);
  });

  async function start(version: CockroachVersion, setup: { deployment: KeylessDeployment; nodes: (sts: StsDouble) => NodeCredentialSources; identityPolicies: Record<string, string[]>; implicitAccess?: boolean; environment?: Record<string, string> }) {
    const keys = new AccessKeyStore();
    const sts = await startStsDouble({ keys, roles: [...setup.deployment.roles, ...identityRoles], identityPolicies: setup.identityPolicies });
    const harness = await Harness.start({
      version,
      s3Credentials: [],
      keys,
      nodes: { stsEndpoint: sts.endpoint, nodeCredentials: setup.nodes(sts) },
      environment: { ...setup.deployment.environment, [ENV.drillStateParameter]: PARAMETER, [ENV.fileCheckTimeoutSeconds]: '10', ...setup.environment },
    });
    harness.createParameter(PARAMETER);
    // docs/credentials.md: the grants of a keyless mode (and RESTORE for drills).
    if (setup.implicitAccess !== false) harness.double.grant(BACKUP_USER.name, 'EXTERNALIOIMPLICITACCESS');
    harness.double.grant(BACKUP_USER.name, 'RESTORE');
    return { harness, sts, keys, stop: async () => (await harness.stop(), await sts.stop()) };
  }

  test('a backup user without EXTERNALIOIMPLICITACCESS is refused at once, and told the GRANT', async () => {
    const world = await start('26.3', { deployment, nodes: (sts) => mode.nodes(sts, deployment), identityPolicies: mode.identityPolicies(deployment), implicitAccess: false });
    try {
      const { error } = await world.harness.lambda.invoke('full');
      expect(error?.message).toContain('only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI');
      expect(error?.message).toContain(`run GRANT SYSTEM EXTERNALIOIMPLICITACCESS TO ${BACKUP_USER.name}`);
      expect(world.harness.double.jobs()).toEqual([]);
    } finally {
      await world.stop();
    }
  });

  test('works in external-connection storage mode: the connection holds the keyless URI, the statements name only external://', async () => {
    const world = await start('26.3', {
      deployment,
      nodes: (sts) => mode.nodes(sts, deployment),
      identityPolicies: mode.identityPolicies(deployment),
      environment: { [ENV.storageMode]: 'external-connection', [ENV.externalConnectionName]: 'keyless_backups' },
    });
    try {
      world.harness.double.grant(BACKUP_USER.name, 'EXTERNALCONNECTION');
      expect(await world.harness.lambda.run('incremental')).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded' });
      expect(await world.harness.lambda.run('incremental')).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded' });
      const texts = world.harness.double.statements.map((s) => s.text);
      const created = texts.filter((text) => text.startsWith('CREATE EXTERNAL CONNECTION'));
      // Created once and kept: the URI has no key that could change.
      expect(created).toHaveLength(1);
      expect(created[0]).toContain('AUTH=implicit');
      expect(texts.filter((text) => text.startsWith('BACKUP')).every((text) => text.includes("'external://keyless_backups'"))).toBe(true);
    } finally {
      await world.stop();
    }
  });

  describe.each(LIFECYCLE_VERSIONS)('on CockroachDB %s', (version) => {
    test('takes the first full, incrementals, checks the files and drills a restore, with temporary credentials only', async () => {
      const world = await start(version, { deployment, nodes: (sts) => mode.nodes(sts, deployment), identityPolicies: mode.identityPolicies(deployment) });
      try {
        const results = [];
        const first = await world.harness.lambda.run('incremental');
        expect(first).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', chainLength: 0 });
        // A full run checks the new chain's files (FILE_CHECK_TIMEOUT_SECONDS).
        expect(first.fileChecks?.map((check) => check.outcome)).toEqual(['passed']);
        const second = await world.harness.lambda.run('incremental');
        const third = await world.harness.lambda.run('incremental');
        expect([second.kind, second.status, third.kind, third.status, third.chainLength]).toEqual(['incremental', 'succeeded', 'incremental', 'succeeded', 2]);
        const check = await world.harness.lambda.run('check-files');
        const drill = await world.harness.lambda.run('restore-drill');
        results.push(first, second, third, check, drill);
        expect(check.action).toBe('passed');
        expect(drill.action).toMatch(/^(passed|submitted)$/);
        // No key was read: the Lambda has none, and every storage request used a role session.
        expect(world.harness.secretFetches()).toBe(1);
        const statements = world.harness.double.statements.map((s) => s.text).filter((text) => / IN '|INTO '/.test(text));
        expect(statements.every((text) => text.includes('AUTH=implicit') && !text.includes('AWS_SECRET_ACCESS_KEY'))).toBe(true);
        expect((await world.harness.s3.listKeys(BUCKET, `${COLLECTION}/`)).filter((key) => key.endsWith('/BACKUP_MANIFEST'))).toHaveLength(3);
        // The nodes' temporary secrets and session tokens never reach a log line or a result.
        expect(world.keys.issuedSecretKeys().length).toBeGreaterThan(0);
        expect(findSecrets([...guard.lines, JSON.stringify(results)].join('\n'), world.keys.issuedSecretKeys())).toEqual([]);
      } finally {
        await world.stop();
      }
    });

    test('fails the run when the nodes cannot get credentials, with the fix', async () => {
      const world = await start(version, {
        deployment: refusedDeployment,
        nodes: mode.refused.nodes ?? ((sts) => mode.nodes(sts, refusedDeployment)),
        identityPolicies: mode.refused.identityPolicies ?? mode.identityPolicies(refusedDeployment),
      });
      try {
        const { error } = await world.harness.lambda.invoke('full');
        expect(error?.message).toMatch(mode.refused.error);
        expect(error?.message).toContain(mode.refused.advice);
        expect(await world.harness.s3.listKeys(BUCKET, `${COLLECTION}/`)).toEqual([]);
      } finally {
        await world.stop();
      }
    });
  });
});
