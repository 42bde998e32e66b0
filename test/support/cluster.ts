import { Job } from './jobs/job';
import { JobEngine } from './jobs/job-engine';
import { ScramVerifier, scramVerifier } from './wire/scram';

export type SystemPrivilege = 'BACKUP' | 'EXTERNALCONNECTION';

export interface UserRecord {
  readonly name: string;
  readonly admin: boolean;
  readonly privileges: Set<SystemPrivilege>;
  readonly verifier: ScramVerifier;
}

export interface ExternalConnection {
  readonly name: string;
  readonly uri: string;
  readonly owner: string;
}

/** The versions whose differences the double models (blocking BACKUP's columns). */
export type CockroachVersion = '24.3' | '25.1';

/** Everything one simulated cluster knows: users, external connections, jobs, settings. */
export class Cluster {
  readonly users = new Map<string, UserRecord>();
  readonly connections = new Map<string, ExternalConnection>();
  gcThresholdExceeded = false;

  constructor(
    public clusterId: string,
    readonly jobs: JobEngine,
    readonly version: CockroachVersion,
  ) {}

  addUser(name: string, password: string, admin: boolean, privileges: readonly SystemPrivilege[]): void {
    this.users.set(name, { name, admin, privileges: new Set(privileges), verifier: scramVerifier(password) });
  }

  user(name: string): UserRecord | undefined {
    return this.users.get(name);
  }

  hasPrivilege(name: string, privilege: SystemPrivilege): boolean {
    const user = this.users.get(name);
    return user !== undefined && (user.admin || user.privileges.has(privilege));
  }

  /**
   * Jobs a user may see: admins see all; others only their own
   * (pkg/sql/crdb_internal.go, crdb_internal.jobs: non-admins without VIEWJOB see the
   * jobs they own; pkg/jobs/jobsauth/authorization.go).
   */
  visibleJobs(name: string): readonly Job[] {
    const user = this.users.get(name);
    const all = this.jobs.list();
    return user?.admin === true ? all : all.filter((job) => job.userName === name);
  }
}
