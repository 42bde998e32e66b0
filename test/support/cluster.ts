import { Job } from './jobs/job';
import { S3Location } from './storage/storage-uri';
import { AwsCredentials, assumeRoleChain, CredentialChainError, NodeCredentialSources, nodeOwnCredentials } from './storage/node-credentials';
import { JobEngine } from './jobs/job-engine';
import { DatabaseRecord, DoubleDatabase, SYSTEM_DATABASE, databaseRecord } from './schema';
import { CockroachVersion, VersionFacts, versionFacts } from './versions';
import { ScramVerifier, scramVerifier } from './wire/scram';

export type { CockroachVersion } from './versions';

/** The system privileges the double models (GRANT SYSTEM ..., pkg/sql/privilege/privilege.go). */
export const SYSTEM_PRIVILEGES = ['BACKUP', 'RESTORE', 'CREATEDB', 'EXTERNALCONNECTION', 'EXTERNALIOIMPLICITACCESS', 'VIEWJOB', 'CONTROLJOB'] as const;

export type SystemPrivilege = (typeof SYSTEM_PRIVILEGES)[number];

/**
 * The role options the double models (pkg/sql/roleoption/option_string.go): CREATEROLE lets a
 * role alter other non-admin roles, CREATELOGIN lets it set their passwords (both are needed
 * to change a password by ALTER ROLE, pkg/sql/alter_role.go, unless the user changes its own
 * with sql.auth.change_own_password.enabled on).
 */
export const ROLE_OPTIONS = ['CREATEROLE', 'CREATELOGIN'] as const;

export type RoleOption = (typeof ROLE_OPTIONS)[number];

/**
 * `sql.auth.change_own_password.enabled` (pkg/sql/alter_role.go, changeOwnPasswordEnabled):
 * added in v22.2 (cockroachdb/cockroach#90485, backported as #90626), default false, the same on
 * every supported version (23.1 to 26.3). On, any user may change its own password to a
 * non-null value without CREATEROLE or CREATELOGIN.
 */
export const CHANGE_OWN_PASSWORD_SETTING = 'sql.auth.change_own_password.enabled';

export interface UserRecord {
  readonly name: string;
  readonly admin: boolean;
  readonly privileges: Set<SystemPrivilege>;
  readonly roleOptions: Set<RoleOption>;
  /**
   * The SCRAM-SHA-256 verifier of the current password, as system.users."hashedPassword" keeps
   * it (salt, StoredKey, ServerKey: never the password); undefined after `WITH PASSWORD NULL`,
   * when no password login succeeds. ALTER ROLE replaces it; sessions already open stay open.
   */
  verifier: ScramVerifier | undefined;
}

export interface ExternalConnection {
  readonly name: string;
  readonly uri: string;
  readonly owner: string;
}

export interface ClusterEnvironment {
  /** Where the nodes send the requests for an s3:// URI without AWS_ENDPOINT: the stand-in for AWS S3. */
  readonly awsS3Endpoint?: string;
  /** The nodes' own AWS identity for `AUTH=implicit` (default: none, as on a machine outside AWS). */
  readonly nodeCredentials?: NodeCredentialSources;
  /** Where the nodes call STS for ASSUME_ROLE: the stand-in for AWS STS (default: none; ASSUME_ROLE then fails). */
  readonly stsEndpoint?: string;
  /** How often SHOW JOB WHEN COMPLETE looks at an unfinished job. */
  readonly whenCompleteIntervalMs: number;
  /** How long SHOW BACKUP ... WITH check_files takes per data file (0: as fast as S3 answers). */
  readonly checkFilesDelayMs: number;
  /** The cluster's clock (a test may run it ahead of the wall clock, CockroachDoubleOptions.clock). */
  readonly now: () => Date;
  /** A wait that the double's stop ends early (so that no timer outlives a test). */
  readonly sleep: (ms: number) => Promise<void>;
}

/** Everything one simulated cluster knows: users, databases, external connections, jobs, settings. */
export class Cluster {
  readonly users = new Map<string, UserRecord>();
  /** Session variable defaults per role (ALTER ROLE <u> SET <var> = <value>), applied at login. */
  readonly roleSettings = new Map<string, Map<string, string>>();
  /** By name, `system` included; SHOW DATABASES lists them sorted by name. */
  readonly databases = new Map<string, DatabaseRecord>();
  /** Names that running RESTORE jobs will create: taken, though not yet listed (the descriptors are offline). */
  readonly restoringDatabases = new Set<string>();
  readonly connections = new Map<string, ExternalConnection>();
  /** How often each connection name was dropped: a job that started before a drop loses its connection. */
  readonly connectionDrops = new Map<string, number>();
  /** The cluster settings the double models, as SHOW CLUSTER SETTING prints them; only an admin changes them. */
  readonly clusterSettings = new Map<string, string>([[CHANGE_OWN_PASSWORD_SETTING, 'false']]);
  gcThresholdExceeded = false;
  readonly facts: VersionFacts;

  constructor(
    public clusterId: string,
    readonly jobs: JobEngine,
    readonly version: CockroachVersion,
    readonly environment: ClusterEnvironment,
    databases: readonly DoubleDatabase[],
  ) {
    this.facts = versionFacts(version);
    this.databases.set(SYSTEM_DATABASE.name, SYSTEM_DATABASE);
    for (const database of databases) this.databases.set(database.name, databaseRecord(database));
  }

  addUser(name: string, password: string, admin: boolean, privileges: readonly SystemPrivilege[], roleOptions: readonly RoleOption[] = []): void {
    this.users.set(name, { name, admin, privileges: new Set(privileges), roleOptions: new Set(roleOptions), verifier: scramVerifier(password) });
  }

  /** Admins have every role option (pkg/sql/authorization.go, HasRoleOption). */
  hasRoleOption(name: string, option: RoleOption): boolean {
    const user = this.users.get(name);
    return user !== undefined && (user.admin || user.roleOptions.has(option));
  }

  /** Whether a database of this name exists or a running restore is creating it. */
  databaseNameTaken(name: string): boolean {
    return this.databases.has(name) || this.restoringDatabases.has(name);
  }

  user(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  hasPrivilege(name: string, privilege: SystemPrivilege): boolean {
    const user = this.users.get(name);
    return user !== undefined && (user.admin || user.privileges.has(privilege));
  }

  /**
   * The location as the nodes reach it: an s3:// URI without AWS_ENDPOINT means AWS S3,
   * for which the double's nodes use `awsS3Endpoint`.
   */
  nodeLocation(location: S3Location): S3Location {
    const endpoint = location.endpoint ?? this.environment.awsS3Endpoint;
    if (location.auth === 'specified' && location.assumeRoles.length === 0) return { ...location, endpoint };
    return { ...location, endpoint, credentials: this.credentialsFor(location) };
  }

  /**
   * How a node obtains the credentials of a URI that is not plain keys, as CockroachDB does
   * (s3_storage.go newClient): the start is the URI's keys (`AUTH=specified`) or the node's own
   * chain (`AUTH=implicit`, node-credentials.ts), then every ASSUME_ROLE role in order. Resolved
   * once, on the first S3 request of the storage (the SDK resolves lazily, so a failure is
   * the request's: a job error for BACKUP, a statement error for SHOW BACKUP), then cached.
   */
  private credentialsFor(location: S3Location): () => Promise<AwsCredentials> {
    let resolved: Promise<AwsCredentials> | undefined;
    const resolve = async (): Promise<AwsCredentials> => {
      const start =
        location.auth === 'implicit'
          ? nodeOwnCredentials(this.environment.nodeCredentials)
          : { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey, sessionToken: location.sessionToken };
      if (location.assumeRoles.length === 0) return start;
      // Never let a test reach AWS STS: the double's stand-in is its stsEndpoint option.
      if (this.environment.stsEndpoint === undefined) throw new CredentialChainError('the CockroachDB double has no STS: start it with stsEndpoint');
      return assumeRoleChain(this.environment.stsEndpoint, start, location.assumeRoles);
    };
    return () => (resolved ??= resolve());
  }

  isAdmin(name: string): boolean {
    return this.users.get(name)?.admin === true;
  }

  /**
   * Jobs a user may see (pkg/jobs/jobsauth/authorization.go, Authorize with ViewAccess):
   * admins and holders of VIEWJOB or CONTROLJOB see all, others only the jobs they own.
   * The BACKUP privilege grants no visibility.
   */
  visibleJobs(name: string): readonly Job[] {
    const all = this.jobs.list();
    const seesAll = this.hasPrivilege(name, 'VIEWJOB') || this.hasPrivilege(name, 'CONTROLJOB');
    return seesAll ? all : all.filter((job) => job.userName === name);
  }
}
