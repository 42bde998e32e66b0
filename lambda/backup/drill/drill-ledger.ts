import { BackupFailure } from '../connect/errors';
import { DrillState, newestDrillAgeSeconds, PendingDrill, staleDrillWarning, withEnded } from './drill-state';
import { DrillStateStore } from './drill-state-store';
import { describeDrillLocation } from './drill-location';
import { isDrillDatabase } from './drill-plan';
import { isTerminal, JobRow, PAUSED_STATUS } from '../observe/job';
import { jobById } from '../observe/job-queries';
import { log } from '../report/log';
import { redact, redactedMessage } from '../report/redact';
import { sqlIdentifier } from './restore-statement';
import { DrillJobReport, DrillSummary } from '../report/result';
import { Session } from '../connect/session';

/**
 * `DROP DATABASE IF EXISTS "<name>" CASCADE`: what a drill restored (schema_only: the schema,
 * no rows). A database restore makes the user running it the owner of everything it restores
 * (cockroachdb/cockroach#79144), so the backup user may drop it without another privilege.
 */
export function buildDropStatement(name: string): string {
  return `DROP DATABASE IF EXISTS ${sqlIdentifier(name)} CASCADE`;
}

/**
 * The drills' state during one run and what the run saw of them: jobs that ended (each
 * cleaned up and reported once, then removed from the state), cleanup failures, drills
 * that could not be submitted. Written back to the store when changed.
 */
export class DrillLedger {
  readonly ended: DrillJobReport[] = [];
  readonly submitFailures: string[] = [];
  readonly cleanupFailures: string[] = [];
  readonly problems: string[] = [];
  private changed = false;

  constructor(
    private current: DrillState,
    readonly store: DrillStateStore,
  ) {}

  static async read(store: DrillStateStore): Promise<DrillLedger> {
    return new DrillLedger(await store.read(), store);
  }

  get state(): DrillState {
    return this.current;
  }

  update(state: DrillState): void {
    this.current = state;
    this.changed = true;
  }

  /** Writes the state if it changed; a failure is a problem of the run, not an exception. */
  async save(): Promise<void> {
    if (!this.changed) return;
    try {
      await this.store.write(this.current);
      this.changed = false;
    } catch (error) {
      this.problems.push(`writing the drill state to ${this.store.description} failed: ${redactedMessage(error)}`);
    }
  }

  /**
   * Looks at every pending drill once (`SHOW JOB <id>`: no 12-hour window): one that ended,
   * or that the job table no longer shows, is reported and cleaned up; a paused one stays
   * pending and is a problem until a person resumes or cancels it.
   */
  async followPending(session: Session): Promise<void> {
    for (const drill of this.current.pending) {
      const job = await jobById(session, drill.jobId, 'restore drill job');
      if (job === undefined || isTerminal(job)) await this.settle(session, drill, job);
      else this.notePaused(drill, job);
    }
  }

  /** A paused drill job never ends by itself: it stays pending, and is a problem on every run until a person acts. */
  notePaused(drill: PendingDrill, job: JobRow): void {
    if (job.status !== PAUSED_STATUS) return;
    this.problems.push(`restore drill job ${drill.jobId} (${drill.database}) is paused: RESUME JOB ${drill.jobId} or CANCEL JOB ${drill.jobId}`);
  }

  /** Reports a drill job that ended (or disappeared), drops its database and removes it from the state. */
  async settle(session: Session, drill: PendingDrill, job: JobRow | undefined): Promise<void> {
    const dropped = await this.drop(session, drill.restoredName);
    const status = job?.status ?? 'disappeared';
    // A job's error may quote its storage URI: redacted like every message.
    const error = job === undefined ? 'SHOW JOB no longer shows the job (deleted after jobs.retention_time?)' : job.error === '' ? undefined : redact(job.error);
    const location = drill.location === undefined ? {} : { location: drill.location };
    this.ended.push({ jobId: drill.jobId, database: drill.database, restoredName: drill.restoredName, asOf: drill.asOf, status, error, cleanup: dropped ? 'dropped' : 'failed', ...location });
    this.update(withEnded(this.current, drill.jobId, status === 'succeeded' ? (job?.finished ?? new Date()) : undefined));
    const from = drill.location === undefined ? '' : ` from ${describeDrillLocation(drill.location)}`;
    const what = `restore drill of ${drill.database}${from} as of ${drill.asOf} (job ${drill.jobId}, into ${drill.restoredName})`;
    log(status === 'succeeded' ? 'INFO' : 'ERROR', `${what} ${status === 'succeeded' ? 'succeeded' : `ended ${status}${error === undefined ? '' : `: ${error}`}`}`, location);
  }

  /**
   * Drops databases a drill left behind (a failed cleanup, a lost state): every database
   * with the drill prefix that no pending drill is still restoring. Returns the names in use
   * afterwards, for the choice of new names.
   */
  async sweepLeftovers(session: Session): Promise<Set<string>> {
    const rows = await session.query<{ database_name: string }>('listing databases (SHOW DATABASES)', 'SHOW DATABASES');
    const names = new Set(rows.map((row) => String(row.database_name)));
    const restoring = new Set(this.current.pending.map((drill) => drill.restoredName));
    for (const name of names) {
      if (isDrillDatabase(name) && !restoring.has(name) && (await this.drop(session, name))) {
        log('INFO', `dropped ${name}, left behind by an earlier restore drill`);
        names.delete(name);
      }
    }
    return names;
  }

  private async drop(session: Session, name: string): Promise<boolean> {
    try {
      await session.query(`dropping the drill database ${name}`, buildDropStatement(name));
      return true;
    } catch (error) {
      const message = error instanceof BackupFailure ? error.message : redactedMessage(error);
      this.cleanupFailures.push(`the drill database ${name} was not dropped (${message}); the next restore drill drops it`);
      return false;
    }
  }

  /** What the run saw, with the newest drill's age; `intervalSeconds` (DRILL_INTERVAL_SECONDS) makes a stale one a problem. */
  summary(now: Date, intervalSeconds: number): DrillSummary {
    const age = newestDrillAgeSeconds(this.current, now);
    const stale = staleDrillWarning(age, intervalSeconds);
    const problems = stale === undefined ? [...this.problems] : [...this.problems, stale];
    for (const problem of problems) log('ERROR', problem);
    return drillSummary({
      ended: [...this.ended],
      pending: [...this.current.pending],
      submitFailures: [...this.submitFailures],
      cleanupFailures: [...this.cleanupFailures],
      problems,
      newestDrillAgeSeconds: age,
    });
  }
}

/** A summary with nothing in it but `fields` (a run that could not read the state). */
export function drillSummary(fields: Partial<DrillSummary>): DrillSummary {
  return { ended: [], pending: [], submitFailures: [], cleanupFailures: [], problems: [], ...fields };
}
