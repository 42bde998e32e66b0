import { randomUUID } from 'crypto';
import { CHANGE_OWN_PASSWORD_SETTING, Cluster, CockroachVersion, RoleOption, SystemPrivilege } from './cluster';
import { Fault, FaultState } from './faults';
import { Job, JobScript, JobType } from './jobs/job';
import { JobEngine } from './jobs/job-engine';
import { DEFAULT_DATABASES, DoubleDatabase, databaseRecord } from './schema';
import { Session, newSession } from './session';
import { executeStatement } from './sql/executor';
import { queryCanceled } from './sql/sql-error';
import { ResultSet, formatValue } from './sql/values';
import { ClientCertificate, clientCertificate, serverCertificates } from './wire/certificates';
import { ConnectionHost } from './wire/connection';
import { PgServer } from './wire/pg-server';
import { ScramVerifier } from './wire/scram';
import { NodeCredentialSources } from './storage/node-credentials';

export type { Fault } from './faults';
export type { JobScript, JobType } from './jobs/job';
export type { RoleOption, SystemPrivilege } from './cluster';
export { CHANGE_OWN_PASSWORD_SETTING } from './cluster';
export type { DoubleDatabase } from './schema';
export type { NodeCredentialSources } from './storage/node-credentials';
export { SUPPORTED_VERSIONS } from './versions';
export type { CockroachVersion } from './versions';

export interface DoubleUser {
  readonly name: string;
  readonly password: string;
  readonly admin?: boolean;
  readonly systemPrivileges?: readonly SystemPrivilege[];
  /** Role options (CREATE USER ... WITH CREATEROLE CREATELOGIN); admins have them all. */
  readonly roleOptions?: readonly RoleOption[];
}

export interface ReceivedStatement {
  readonly user: string;
  readonly text: string;
  readonly params: readonly (string | null)[];
  /** The rows the statement returned to the client, once it answered (what a client pays to receive). */
  rowsSent?: number;
  /** The bytes of those rows' DataRow messages on the wire (text format). */
  bytesSent?: number;
}

/** A DataRow message per row: type byte, length, column count, then each cell's length and text. */
function dataRowBytes(result: ResultSet): number {
  return result.rows.reduce(
    (sum, row) => sum + 7 + row.reduce<number>((cells, value, i) => cells + 4 + Buffer.byteLength(formatValue(value, result.columns[i].type) ?? ''), 0),
    0,
  );
}

export interface CockroachDoubleOptions {
  readonly clusterId?: string;
  /** Default: one admin, `root` / `root-password`. */
  readonly users?: readonly DoubleUser[];
  /** How long a job runs before its scripted outcome (default 30 ms). */
  readonly jobDurationMs?: number;
  /** How long the intermediate states cancel-requested, pause-requested and reverting last (default 10 ms). */
  readonly transitionDelayMs?: number;
  /** Which release to behave as where releases differ (see versions.ts; default '24.3'). */
  readonly version?: CockroachVersion;
  /**
   * Where the double's nodes send S3 requests for an s3:// URI without AWS_ENDPOINT: the
   * stand-in for AWS S3, so that tests use plain s3:// URIs, which a user with only the
   * BACKUP privilege may use (a URI with AWS_ENDPOINT needs EXTERNALIOIMPLICITACCESS).
   * Default: none; such a URI then fails (the double never reaches AWS).
   */
  readonly awsS3Endpoint?: string;
  /**
   * The nodes' own AWS identity for `AUTH=implicit`, by source of the SDK's chain (environment,
   * web identity, container, instance profile: the first that has credentials wins). Give each
   * the credentials of a role session from the fake STS (`sts.sessionOf(nodeRoleArn, ...)`).
   * Default: none, as on machines outside AWS: `AUTH=implicit` then fails with the SDK's
   * NoCredentialProviders.
   */
  readonly nodeCredentials?: NodeCredentialSources;
  /**
   * Where the nodes call STS for the URI's ASSUME_ROLE chain: the fake STS (aws/sts-double.ts).
   * Default: none; such a URI then fails (the double never reaches AWS).
   */
  readonly stsEndpoint?: string;
  /**
   * How often SHOW JOB WHEN COMPLETE looks at an unfinished job (CockroachDB: every
   * second). Shorter only to make tests that do not measure the wait run faster.
   * @default 1000
   */
  readonly whenCompleteIntervalMs?: number;
  /**
   * The cluster's databases and their tables, besides `system` (always there, owned by
   * `node`). A cluster backup records each in its manifest with one data file per table.
   * @default [{ name: 'defaultdb', tables: ['kv'] }, { name: 'postgres' }] (owned by root)
   */
  readonly databases?: readonly DoubleDatabase[];
  /**
   * How long SHOW BACKUP ... WITH check_files spends on each data file, so that a test can
   * make a check outlast its statement_timeout.
   * @default 0
   */
  readonly checkFilesDelayMs?: number;
  /**
   * The cluster's clock: job times, the 12-hour window of plain SHOW JOBS, AS OF SYSTEM TIME
   * and job retention read it, so that a test can let hours pass in an instant (a
   * `SimulatedClock`'s `now`, test/support/clock.ts). Timers (job durations, WHEN COMPLETE's
   * looks) keep real time.
   * @default the wall clock
   */
  readonly clock?: () => Date;
}

export interface DoubleJob {
  readonly jobId: string;
  readonly type: JobType;
  readonly status: string;
  readonly description: string;
  readonly error: string;
}

/**
 * SHOW JOB WHEN COMPLETE looks at the job, and while it has not finished sleeps one
 * second and runs the query again (pkg/sql/delegate/show_jobs.go: pg_sleep(1), then
 * crdb_internal.force_retry): the answer comes at the first whole second after the job ended.
 */
const WHEN_COMPLETE_INTERVAL_MS = 1000;

/** jobs.retention_time's default (docs/cockroachdb-behaviour.md section 2). */
const JOB_RETENTION_MS = 14 * 24 * 3600 * 1000;

const DEFAULT_USERS: readonly DoubleUser[] = [{ name: 'root', password: 'root-password', admin: true }];
const CA_NAME = 'Cockroach Double CA';
const FOREIGN_CA_NAME = 'Some Other CA';

/** statement_timeout as CockroachDB reads it: milliseconds, or a duration like '30s'. */
function statementTimeoutMs(session: Session): number {
  const value = (session.settings.get('statement_timeout') ?? '0').trim();
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value);
  if (match === null) return 0;
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * unit;
}



/**
 * A CockroachDB stand-in that speaks the PostgreSQL wire protocol over TLS with
 * SCRAM-SHA-256, runs BACKUP jobs that write to a real S3 endpoint, and answers the
 * job, backup-listing and external-connection statements with CockroachDB's columns,
 * types and error texts (see docs/cockroachdb-behaviour.md).
 */
export class CockroachDouble {
  readonly host = '127.0.0.1';
  readonly caCertificate: string;
  private readonly cluster: Cluster;
  private readonly faults = new FaultState();
  private readonly server: PgServer;
  private readonly received: ReceivedStatement[] = [];
  private readonly sleeps = new Set<() => void>();

  private constructor(options: CockroachDoubleOptions) {
    this.caCertificate = serverCertificates(CA_NAME).caCertificate;
    const now = options.clock ?? ((): Date => new Date());
    const jobs = new JobEngine(options.jobDurationMs ?? 30, options.transitionDelayMs ?? 10, now);
    this.cluster = new Cluster(
      options.clusterId ?? randomUUID(),
      jobs,
      options.version ?? '24.3',
      {
        awsS3Endpoint: options.awsS3Endpoint,
        nodeCredentials: options.nodeCredentials,
        stsEndpoint: options.stsEndpoint,
        whenCompleteIntervalMs: options.whenCompleteIntervalMs ?? WHEN_COMPLETE_INTERVAL_MS,
        checkFilesDelayMs: options.checkFilesDelayMs ?? 0,
        now,
        sleep: (ms) => this.sleep(ms),
      },
      options.databases ?? DEFAULT_DATABASES,
    );
    for (const user of options.users ?? DEFAULT_USERS) this.addUser(user);
    this.server = new PgServer(this.connectionHost(), this.faults);
  }

  static async start(options: CockroachDoubleOptions = {}): Promise<CockroachDouble> {
    const double = new CockroachDouble(options);
    await double.server.listen();
    return double;
  }

  get port(): number {
    return this.server.port;
  }

  get version(): CockroachVersion {
    return this.cluster.version;
  }

  get clusterId(): string {
    return this.cluster.clusterId;
  }

  set clusterId(id: string) {
    this.cluster.clusterId = id;
  }

  /** Closes every socket and timer; running jobs are abandoned. */
  async stop(): Promise<void> {
    for (const wake of this.sleeps) wake();
    await this.server.stop();
    await this.cluster.jobs.stop();
  }

  addUser(user: DoubleUser): void {
    this.cluster.addUser(user.name, user.password, user.admin === true, user.systemPrivileges ?? [], user.roleOptions ?? []);
  }

  /**
   * `SET CLUSTER SETTING sql.auth.change_own_password.enabled = <on>`, as an admin runs it
   * (a test that is not about who may set it); the statement itself is modelled too.
   */
  allowChangingOwnPassword(on: boolean): void {
    this.cluster.clusterSettings.set(CHANGE_OWN_PASSWORD_SETTING, String(on));
  }

  /**
   * `ALTER ROLE <user> SET <variable> = <value>`, as an operator runs it: the default of the
   * user's new sessions. A variable the version lacks is refused, as ALTER ROLE refuses it.
   */
  alterRoleSet(user: string, variable: string, value: string): void {
    this.requireUser(user);
    const settings = new Map(this.cluster.roleSettings.get(user));
    settings.set(variable, value);
    newSession(user, new Map(), this.cluster.facts, settings);
    this.cluster.roleSettings.set(user, settings);
  }

  grant(user: string, privilege: SystemPrivilege): void {
    this.requireUser(user).privileges.add(privilege);
  }

  revoke(user: string, privilege: SystemPrivilege): void {
    this.requireUser(user).privileges.delete(privilege);
  }

  /**
   * The fate of the next job (of `script.jobType` when given: 'BACKUP' or 'RESTORE'; of any
   * type otherwise). Scripts apply in the order given.
   */
  scriptNextJob(script: JobScript): void {
    this.cluster.jobs.scriptNext(script);
  }

  setGcThresholdExceeded(exceeded: boolean): void {
    this.cluster.gcThresholdExceeded = exceeded;
  }

  injectFault(fault: Fault): void {
    this.faults.add(fault);
    if (fault.kind === 'refuse') void this.server.close();
  }

  clearFaults(): void {
    const reopen = !this.server.listening;
    this.faults.clear();
    if (reopen) void this.server.reopen();
  }

  /** Awaitable form of injectFault for 'refuse' and clearFaults (the port closes/reopens asynchronously). */
  async applyFault(fault: Fault): Promise<void> {
    this.faults.add(fault);
    if (fault.kind === 'refuse') await this.server.close();
  }

  async removeFaults(): Promise<void> {
    this.faults.clear();
    await this.server.reopen();
  }

  get statements(): readonly ReceivedStatement[] {
    return this.received;
  }

  clearStatements(): void {
    this.received.length = 0;
  }

  jobs(): readonly DoubleJob[] {
    return this.cluster.jobs.list().map((job) => ({ jobId: job.id.toString(), type: job.type, status: job.status, description: job.description, error: job.error }));
  }

  /** `CREATE DATABASE` with its tables, as an operator runs it: the next backups list it. */
  createDatabase(database: DoubleDatabase): void {
    if (this.cluster.databaseNameTaken(database.name)) throw new Error(`database "${database.name}" already exists`);
    this.cluster.databases.set(database.name, { ...databaseRecord(database), createdAt: this.cluster.environment.now().toISOString() });
  }

  /** The cluster's databases now (`system` included), sorted by name: what SHOW DATABASES lists. */
  databases(): readonly Required<DoubleDatabase>[] {
    return [...this.cluster.databases.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((d) => ({ name: d.name, owner: d.owner, tables: [...d.tables] }));
  }

  /**
   * Moves jobs into the past by `ms`, as if that much time had passed since they were
   * created, started and finished (for the 12-hour window of plain SHOW JOBS); jobs that
   * then ended more than jobs.retention_time (14 days) ago are deleted, as CockroachDB
   * deletes them. Only the job table changes: backups already in storage keep their times.
   * @param jobIds the jobs to age (default: all)
   */
  ageJobs(ms: number, jobIds?: readonly string[]): void {
    for (const job of this.cluster.jobs.list()) {
      if (jobIds === undefined || jobIds.includes(job.id.toString())) this.cluster.jobs.age(job, ms);
    }
    this.cluster.jobs.deleteExpired(this.cluster.environment.now(), JOB_RETENTION_MS);
  }

  /** A job's times as the job table keeps them (to the millisecond; SHOW JOB(S) may truncate them). */
  jobTimes(jobId: string): { readonly created: Date; readonly started: Date | null; readonly finished: Date | null; readonly modified: Date } {
    const { created, started, finished, modified } = this.requireJob(jobId);
    return { created, started, finished, modified };
  }

  /**
   * Ends a running job now (by the cluster's clock), as its work would: `failed` with `error`,
   * `succeeded` (its backup is written), `canceled` or `paused`. For jobs scripted to stay
   * `running` while a test lets simulated hours pass.
   */
  endJob(jobId: string, outcome: 'succeeded' | 'failed' | 'canceled' | 'paused', error?: string): void {
    this.cluster.jobs.endNow(this.requireJob(jobId), { outcome, error });
  }

  /** A progress checkpoint of a running job: fraction_completed becomes `fraction` (0 to 1). */
  setJobProgress(jobId: string, fraction: number): void {
    this.cluster.jobs.progress(this.requireJob(jobId), fraction);
  }

  private requireJob(jobId: string): Job {
    const job = this.cluster.jobs.find(BigInt(jobId));
    if (job === undefined) throw new Error(`no job ${jobId} in the double`);
    return job;
  }

  /**
   * Resolves when no job is on its way to an end (bounded: rejects after 20 s). Jobs
   * scripted to stay running, and paused jobs, count as settled; a job created in a
   * transaction that never ends does not.
   */
  whenJobsSettled(): Promise<void> {
    return this.cluster.jobs.settled();
  }

  /** A client certificate for `user` signed by the double's CA, for a certificate login. */
  clientCertificate(user: string): ClientCertificate {
    return clientCertificate(CA_NAME, user);
  }

  private requireUser(name: string): { privileges: Set<SystemPrivilege> } {
    const user = this.cluster.user(name);
    if (user === undefined) throw new Error(`no user ${name} in the double`);
    return user;
  }

  private connectionHost(): ConnectionHost {
    return {
      tlsOptions: () => {
        const certificates = serverCertificates(this.faults.has('foreign-certificate') ? FOREIGN_CA_NAME : CA_NAME);
        return { key: certificates.privateKey, cert: certificates.certificate, ca: serverCertificates(CA_NAME).caCertificate };
      },
      verifier: (user): ScramVerifier | undefined => (this.faults.has('auth-failure') ? undefined : this.cluster.user(user)?.verifier),
      openSession: (user, parameters) => newSession(user, parameters, this.cluster.facts, this.cluster.roleSettings.get(user)),
      run: (session, text, params) => this.run(session, text, params),
      parameterStatus: (session) =>
        new Map([
          ['application_name', session.settings.get('application_name') ?? ''],
          ['client_encoding', 'UTF8'],
          ['DateStyle', 'ISO, MDY'],
          ['default_transaction_isolation', 'serializable'],
          ['integer_datetimes', 'on'],
          ['IntervalStyle', 'postgres'],
          ['is_superuser', this.cluster.user(session.user)?.admin === true ? 'on' : 'off'],
          ['server_encoding', 'UTF8'],
          ['server_version', '13.0.0'],
          ['session_authorization', session.user],
          ['standard_conforming_strings', 'on'],
          ['TimeZone', 'UTC'],
          ['crdb_version', `CockroachDB CCL v${this.cluster.version}.0 (double)`],
        ]),
    };
  }

  /**
   * Runs `action` once, just before the next statement matching `on` executes: what another
   * client does between two of the Lambda's statements (an operator's full backup completing
   * between a drill's SHOW BACKUP and its RESTORE, so that LATEST moves).
   */
  beforeNextStatement(on: RegExp, action: () => Promise<void>): void {
    this.interleaved.push({ on, action });
  }

  private readonly interleaved: { on: RegExp; action: () => Promise<void> }[] = [];

  private async run(session: Session, text: string, params: readonly (string | null)[]): Promise<ResultSet | undefined> {
    const received: ReceivedStatement = { user: session.user, text, params: [...params] };
    this.received.push(received);
    const result = await this.runReceived(session, text, params);
    if (result !== undefined) {
      received.rowsSent = result.rows.length;
      received.bytesSent = dataRowBytes(result);
    }
    return result;
  }

  private async runReceived(session: Session, text: string, params: readonly (string | null)[]): Promise<ResultSet | undefined> {
    const interleaved = this.interleaved.findIndex((entry) => entry.on.test(text));
    if (interleaved >= 0) await this.interleaved.splice(interleaved, 1)[0].action();
    if (this.faults.dropsOn(text)) return undefined;
    const timeout = statementTimeoutMs(session);
    const statement = { canceled: false };
    session.statement = statement;
    const execute = async (): Promise<ResultSet> => {
      const delay = this.faults.delayFor(text);
      if (delay > 0) await this.sleep(delay);
      // A statement canceled while a 'slow' fault held it never runs.
      if (statement.canceled) throw queryCanceled();
      return executeStatement(text, params, session, this.cluster, {
        clusterId: () => this.cluster.clusterId,
        gcThresholdExceeded: () => this.cluster.gcThresholdExceeded,
        now: () => this.cluster.environment.now(),
        databases: () => [...this.cluster.databases.values()],
      });
    };
    if (timeout <= 0) return execute();
    return this.bounded(execute(), timeout, () => {
      statement.canceled = true;
    });
  }

  /**
   * The session's statement_timeout, for every statement: a statement still running
   * after it (a 'slow' fault, SHOW JOB WHEN COMPLETE on a job that does not end, a
   * blocking BACKUP) fails with 57014 and its answer, if any comes, is dropped.
   */
  private bounded(work: Promise<ResultSet>, ms: number, onCancel: () => void): Promise<ResultSet> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(expire);
      };
      const expire = (): void => {
        done();
        onCancel();
        reject(queryCanceled());
      };
      const timer = setTimeout(expire, ms);
      this.sleeps.add(expire);
      work.then(
        (result) => {
          done();
          resolve(result);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }
}
