import { Annotations, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EXTERNAL_ID, ROLE_ARN } from '../../contract/assume-role-chain';
import { invalid } from '../validation';

/** Options of `StorageCredentials.cloudIdentityRole`. */
export interface CloudIdentityRoleOptions {
  /**
   * The external id the backup role's trust policy requires (`sts:ExternalId`), which the
   * storage URI passes with the role (`ASSUME_ROLE=<identity role>,<backup role>;external_id=<id>`,
   * CockroachDB's role-provider format, pkg/cloud/uris.go). Not a secret: CockroachDB shows
   * it in job descriptions. 2 to 1224 letters, digits and `+ = . @ : / - _`.
   * @default an id derived from this construct's path in the app (stable across deploys)
   */
  readonly externalId?: string;
}

/** Options of `StorageCredentials.implicit`. */
export interface ImplicitCredentialsOptions {
  /**
   * The role CockroachDB's nodes run as (the EC2 instance profile's role, or the EKS
   * service account's role through IRSA or EKS Pod Identity), in this account. The backup
   * policy is attached to it and the storage URI names no role to assume (`AUTH=implicit`).
   * @default a new role ('BackupRole') holding the backup policy, which principals of this
   * account may assume when their own policies allow it (`storageRole.grantAssumeRole(nodesRole)`),
   * with an external id; the URI assumes it (`AUTH=implicit&ASSUME_ROLE=<role>;external_id=<id>`)
   */
  readonly nodeRole?: iam.IRole;
}

/**
 * What the construct made of the credentials, for its wiring and its Lambda. Internal: only
 * the construct reads it.
 */
export interface BoundStorageCredentials {
  /** Keyless modes: the Lambda's ASSUME_ROLE_CHAIN (CockroachDB's ASSUME_ROLE value), '' for none; undefined for the access key. */
  readonly assumeRoleChain?: string;
  /** The role whose policy writes the collection: the new one, or the nodes' role. */
  readonly role?: iam.IRole;
}

/**
 * How CockroachDB's nodes authenticate to the backup bucket:
 * - `StorageCredentials.accessKey()` (the default): an IAM user whose access key is kept in
 *   Secrets Manager, rotated, and passed to the cluster in every storage URI; works wherever
 *   the nodes run;
 * - `StorageCredentials.cloudIdentityRole(arn)`: CockroachDB Cloud Advanced on AWS. A new
 *   role holds the backup policy and trusts only the cluster's identity role
 *   (`crl-dr-store-user-<suffix>`) with an external id; no key exists anywhere;
 * - `StorageCredentials.implicit()`: self-hosted nodes on EC2 or EKS use their own identity
 *   (instance profile, IRSA, EKS Pod Identity), directly (`nodeRole`) or through a new role.
 * In the keyless modes the construct creates no IAM user, access key, key secret or
 * rotation function. docs/credentials.md says which to pick.
 */
export abstract class StorageCredentials {
  /** An access key of a new IAM user, in the storage URI (`AUTH=specified`). */
  public static accessKey(): StorageCredentials {
    return new AccessKeyCredentials();
  }

  /**
   * CockroachDB Cloud (Advanced clusters on AWS): the cluster's identity role assumes a new
   * role that holds the backup policy (`AUTH=implicit&ASSUME_ROLE=<identityRoleArn>,<new role>`).
   * @param identityRoleArn the cluster's identity role, `arn:aws:iam::<account>:role/crl-dr-store-user-<last 12 characters of the cluster id>`
   */
  public static cloudIdentityRole(identityRoleArn: string, options: CloudIdentityRoleOptions = {}): StorageCredentials {
    return new CloudIdentityRoleCredentials(identityRoleArn, options);
  }

  /** Self-hosted nodes on AWS use their own identity (`AUTH=implicit`), see `ImplicitCredentialsOptions`. */
  public static implicit(options: ImplicitCredentialsOptions = {}): StorageCredentials {
    return new ImplicitCredentials(options);
  }

  /** 'access-key', 'cloud-identity-role' or 'implicit': how the nodes authenticate. */
  public abstract readonly mode: string;

  /**
   * Creates what the mode needs below `scope` and gives `policy` to the principal that writes.
   * @internal
   */
  public abstract _bind(scope: Construct, policy: iam.ManagedPolicy): BoundStorageCredentials;
}

class AccessKeyCredentials extends StorageCredentials {
  public readonly mode = 'access-key';
  /** @internal */
  public _bind(): BoundStorageCredentials {
    return {};
  }
}

/** The identity role of backups and restores on CockroachDB Cloud (docs "Cloud Storage Authentication"). */
const DR_IDENTITY_ROLE = /:role\/crl-dr-store-user-[^/]+$/;

/** The external id a role's trust policy requires, and the URI passes: given, or derived from the construct's path. */
function externalIdOf(scope: Construct, given: string | undefined, prop: string): string {
  if (given === undefined) return `crdb-backup-${Names.uniqueId(scope)}`.slice(0, 1224);
  if (!Token.isUnresolved(given) && !EXTERNAL_ID.test(given)) {
    invalid(scope, prop, JSON.stringify(given), "2 to 1224 letters, digits and + = . @ : / - _ (STS's external id, without ',' or ';')");
  }
  return given;
}

/** The new role that holds the backup policy, trusted by `principal` with the external id. */
function backupRole(scope: Construct, policy: iam.ManagedPolicy, principal: iam.IPrincipal, externalId: string, whom: string): iam.Role {
  return new iam.Role(scope, 'BackupRole', {
    description: `Assumed by ${whom} to write and read the backups of ${scope.node.path}`,
    assumedBy: new iam.PrincipalWithConditions(principal, { StringEquals: { 'sts:ExternalId': externalId } }),
    managedPolicies: [policy],
  });
}

class CloudIdentityRoleCredentials extends StorageCredentials {
  public readonly mode = 'cloud-identity-role';
  constructor(
    private readonly identityRoleArn: string,
    private readonly options: CloudIdentityRoleOptions,
  ) {
    super();
  }

  /** @internal */
  public _bind(scope: Construct, policy: iam.ManagedPolicy): BoundStorageCredentials {
    const arn = this.identityRoleArn;
    if (!Token.isUnresolved(arn)) {
      if (!ROLE_ARN.test(arn)) {
        invalid(scope, 'storageCredentials', `cloudIdentityRole(${JSON.stringify(arn)})`, "the ARN of the cluster's identity role, arn:aws:iam::<account>:role/crl-dr-store-user-<suffix>");
      }
      if (!DR_IDENTITY_ROLE.test(arn)) {
        Annotations.of(scope).addWarningV2(
          'cockroach-backup:identityRole',
          `${arn} is not named crl-dr-store-user-<suffix>, the identity role CockroachDB Cloud uses for backups and restores (crl-cdc-sink-user is for changefeeds, crl-kms-user for KMS); see docs/credentials.md`,
        );
      }
    }
    const externalId = externalIdOf(scope, this.options.externalId, 'storageCredentials externalId');
    const role = backupRole(scope, policy, new iam.ArnPrincipal(arn), externalId, "the CockroachDB Cloud cluster's identity role");
    // The identity role comes first and needs no external id: CockroachDB Cloud's own
    // credentials assume it (docs "Cloud Storage Authentication", Dedicated/Advanced section).
    return { assumeRoleChain: `${arn},${role.roleArn};external_id=${externalId}`, role };
  }
}

class ImplicitCredentials extends StorageCredentials {
  public readonly mode = 'implicit';
  constructor(private readonly options: ImplicitCredentialsOptions) {
    super();
  }

  /** @internal */
  public _bind(scope: Construct, policy: iam.ManagedPolicy): BoundStorageCredentials {
    const nodeRole = this.options.nodeRole;
    if (nodeRole !== undefined) {
      // A managed policy attaches only to roles of its own account (AWS::IAM::ManagedPolicy Roles takes names).
      const [roleAccount, account] = [nodeRole.env.account, Stack.of(scope).account];
      if (!Token.isUnresolved(roleAccount) && !Token.isUnresolved(account) && roleAccount !== account) {
        invalid(scope, 'storageCredentials', `implicit({ nodeRole: ${nodeRole.roleArn} })`, `a role of this stack's account ${account} (a managed policy attaches only to roles of its own account)`);
      }
      policy.attachToRole(nodeRole);
      return { assumeRoleChain: '', role: nodeRole };
    }
    const externalId = externalIdOf(scope, undefined, 'storageCredentials');
    const role = backupRole(scope, policy, new iam.AccountRootPrincipal(), externalId, "CockroachDB's nodes (principals of this account whose policies allow it)");
    return { assumeRoleChain: `${role.roleArn};external_id=${externalId}`, role };
  }
}
