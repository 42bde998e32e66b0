import { SqlError, SqlState } from '../sql/sql-error';
import { Job, JobScript, JobStatus, JobType, isTerminal, nextJobId } from './job';

/** What a job does, in two steps around its run time (see backup-work.ts). */
export interface JobWork {
  /** Resolves the destination and checks it; throwing fails the job with the message. */
  resolve(job: Job): Promise<void>;
  /** Writes the result; throwing fails the job with the message. */
  complete(job: Job): Promise<void>;
  /** Releases what the work holds (its S3 client) once the job ended or the double stops. */
  dispose(): void;
}

export interface NewJob {
  /** @default 'BACKUP' */
  readonly type?: JobType;
  readonly description: string;
  readonly statement: string;
  readonly userName: string;
  readonly work: JobWork;
}

const SETTLE_BOUND_MS = 20000;
/** How soon the registry adopts a released job (CockroachDB: at once for jobs started by their statement). */
const ADOPTION_MS = 5;

/**
 * The job registry: creates jobs, runs them through CockroachDB's state machine
 * (pkg/jobs/registry.go, update.go) and applies the control statements.
 * pending -> running -> succeeded | (reverting -> failed) ;
 * CANCEL: pending|running|paused -> cancel-requested -> reverting -> canceled ;
 * PAUSE: pending|running|reverting -> pause-requested -> paused ; RESUME: paused -> running.
 */
export class JobEngine {
  private readonly all: Job[] = [];
  private readonly work = new Map<bigint, JobWork>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly listeners = new Set<() => void>();
  /** Pollers sleeping between two looks at a job: woken at stop. */
  private readonly pollers = new Set<() => void>();
  private readonly scripts: JobScript[] = [];
  private stopped = false;

  /**
   * @param defaultDurationMs how long a job runs before its scripted outcome
   * @param stepMs how long the registry takes to act on cancel-requested and
   *   pause-requested and to revert: how long those states last
   */
  constructor(
    private readonly defaultDurationMs: number,
    private readonly stepMs: number,
    /** The cluster's clock: every time the registry writes comes from it. */
    private readonly now: () => Date = () => new Date(),
  ) {}

  scriptNext(script: JobScript): void {
    this.scripts.push(script);
  }

  list(): readonly Job[] {
    return this.all;
  }

  find(id: bigint): Job | undefined {
    return this.all.find((job) => job.id === id);
  }

  /** Creates a pending job; it runs once `release` is called (at once, or at COMMIT). */
  create(request: NewJob): Job {
    const now = this.now();
    const type = request.type ?? 'BACKUP';
    const scriptIndex = this.scripts.findIndex((script) => script.jobType === undefined || script.jobType === type);
    const script = scriptIndex < 0 ? undefined : this.scripts.splice(scriptIndex, 1)[0];
    const job: Job = {
      id: nextJobId(),
      type,
      description: request.description,
      statement: request.statement,
      userName: request.userName,
      status: 'pending',
      runningStatus: null,
      created: now,
      started: null,
      finished: null,
      modified: now,
      fractionCompleted: 0,
      error: '',
      coordinatorId: 1,
      numRuns: 0,
      script: script ?? { outcome: 'succeeded' },
    };
    this.all.push(job);
    this.work.set(job.id, request.work);
    return job;
  }

  /** The transaction that created the job committed: the registry may adopt it. */
  release(job: Job): void {
    this.later(ADOPTION_MS, () => this.start(job));
  }

  /** Moves the job's timestamps `ms` into the past (CockroachDouble.ageJobs). */
  age(job: Job, ms: number): void {
    const earlier = (time: Date): Date => new Date(time.getTime() - ms);
    job.created = earlier(job.created);
    job.modified = earlier(job.modified);
    if (job.started !== null) job.started = earlier(job.started);
    if (job.finished !== null) job.finished = earlier(job.finished);
  }

  /**
   * Deletes the rows of jobs that ended more than `retentionMs` before `now`, as the
   * registry's cleanup does (jobs.retention_time, 14 days by default).
   */
  deleteExpired(now: Date, retentionMs: number): void {
    const expired = this.all.filter((job) => job.finished !== null && isTerminal(job.status) && now.getTime() - job.finished.getTime() > retentionMs);
    for (const job of expired) this.discard(job);
  }

  /** The transaction that created the job rolled back: the row never existed. */
  discard(job: Job): void {
    const index = this.all.indexOf(job);
    if (index >= 0) this.all.splice(index, 1);
    this.work.get(job.id)?.dispose();
    this.work.delete(job.id);
  }

  /** Resolves when the job reaches a terminal status (for BACKUP without DETACHED). */
  async untilFinished(job: Job): Promise<void> {
    for (let i = 0; i < 100000 && !isTerminal(job.status) && !this.stopped; i++) {
      await new Promise<void>((resolve) => this.listeners.add(resolve));
    }
  }

  /**
   * Resolves at the first look, one every `intervalMs` from now, that finds the job
   * ended (SHOW JOB WHEN COMPLETE), or when the registry stops.
   */
  async pollUntilFinished(job: Job, intervalMs: number): Promise<void> {
    while (!isTerminal(job.status) && !this.stopped) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.pollers.delete(wake);
          resolve();
        };
        this.pollers.add(wake);
        this.later(intervalMs, wake);
      });
    }
  }

  /** Resolves when no job is on its way to an end; scripted 'running' and paused jobs count as settled. */
  async settled(): Promise<void> {
    const deadline = Date.now() + SETTLE_BOUND_MS;
    const busy = (): Job[] =>
      this.all.filter((job) => !isTerminal(job.status) && job.status !== 'paused' && !(job.script.outcome === 'running' && job.status === 'running'));
    while (busy().length > 0) {
      if (Date.now() > deadline) throw new Error(`jobs still busy after ${SETTLE_BOUND_MS} ms: ${busy().map((j) => `${j.id} (${j.status})`).join(', ')}`);
      await new Promise<void>((resolve) => this.later(10, resolve));
    }
    await Promise.all([...this.running]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const wake of [...this.pollers]) wake();
    this.notify();
    await Promise.allSettled([...this.running]);
    for (const work of this.work.values()) work.dispose();
  }

  // CANCEL JOB (pkg/jobs/update.go, CancelRequested): errors are plain fmt errors (XX000).
  cancel(job: Job): void {
    if (job.status === 'cancel-requested' || job.status === 'canceled') return;
    if (job.status !== 'pending' && job.status !== 'running' && job.status !== 'paused') {
      throw new SqlError(SqlState.uncategorized, `job with status ${job.status} cannot be requested to be canceled`);
    }
    this.transition(job, 'cancel-requested');
    this.later(this.stepMs, () => {
      this.transition(job, 'reverting');
      this.later(this.stepMs, () => this.finish(job, 'canceled', ''));
    });
  }

  // PAUSE JOB (PauseRequested): from pending, running or reverting.
  pause(job: Job): void {
    if (job.status === 'pause-requested' || job.status === 'paused') return;
    if (job.status !== 'pending' && job.status !== 'running' && job.status !== 'reverting') {
      throw new SqlError(SqlState.uncategorized, `job with status ${job.status} cannot be requested to be paused`);
    }
    this.transition(job, 'pause-requested');
    this.later(this.stepMs, () => {
      if (job.status === 'pause-requested') this.transition(job, 'paused');
    });
  }

  // RESUME JOB (Unpaused): running/reverting is a no-op, only paused resumes.
  resume(job: Job): void {
    if (job.status === 'running' || job.status === 'reverting') return;
    if (job.status !== 'paused') throw new SqlError(SqlState.uncategorized, `job with status ${job.status} cannot be resumed`);
    this.transition(job, 'running');
    this.later(this.duration(job), () => void this.conclude(job, { outcome: 'succeeded' }));
  }

  private duration(job: Job): number {
    return job.script.durationMs ?? this.defaultDurationMs;
  }

  private start(job: Job): void {
    if (job.status !== 'pending') return;
    job.started = this.now();
    job.numRuns += 1;
    this.transition(job, 'running');
    this.track(this.runResolve(job));
  }

  private async runResolve(job: Job): Promise<void> {
    const work = this.work.get(job.id);
    try {
      await work?.resolve(job);
    } catch (error) {
      if (job.status === 'running') this.fail(job, error instanceof Error ? error.message : String(error));
      return;
    }
    if (job.status !== 'running' || job.script.outcome === 'running') return;
    this.later(this.duration(job), () => void this.conclude(job, job.script));
  }

  /**
   * Ends a running job now with `script`'s outcome, as its work would (a job scripted to stay
   * running, ended by a test at a simulated time); a success writes its backup first.
   */
  endNow(job: Job, script: JobScript): void {
    if (job.status !== 'running') throw new Error(`job ${job.id} is ${job.status}, not running`);
    this.conclude(job, script);
  }

  /** A progress checkpoint: the job's fraction_completed moves and its row is modified. */
  progress(job: Job, fraction: number): void {
    job.fractionCompleted = fraction;
    job.modified = this.now();
  }

  private conclude(job: Job, script: JobScript): void {
    if (job.status !== 'running') return;
    switch (script.outcome) {
      case 'succeeded':
        this.track(this.complete(job));
        return;
      case 'failed':
        this.fail(job, script.error ?? 'job failed');
        return;
      case 'paused':
        this.pause(job);
        return;
      case 'canceled':
        this.cancel(job);
        return;
      case 'running':
        return;
    }
  }

  private async complete(job: Job): Promise<void> {
    try {
      await this.work.get(job.id)?.complete(job);
    } catch (error) {
      if (job.status === 'running') this.fail(job, error instanceof Error ? error.message : String(error));
      return;
    }
    if (job.status !== 'running') return;
    job.fractionCompleted = 1;
    this.finish(job, 'succeeded', '');
  }

  /** A failing job reverts first, then fails (OnFailOrCancel). */
  private fail(job: Job, error: string): void {
    job.error = error;
    this.transition(job, 'reverting');
    this.later(this.stepMs, () => this.finish(job, 'failed', error));
  }

  private finish(job: Job, status: JobStatus, error: string): void {
    if (isTerminal(job.status)) return;
    job.error = error;
    job.finished = this.now();
    this.transition(job, status);
    this.work.get(job.id)?.dispose();
  }

  private transition(job: Job, status: JobStatus): void {
    job.status = status;
    job.modified = this.now();
    this.notify();
  }

  private notify(): void {
    const waiting = [...this.listeners];
    this.listeners.clear();
    for (const resolve of waiting) resolve();
  }

  private later(ms: number, action: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private track(promise: Promise<void>): void {
    this.running.add(promise);
    void promise.finally(() => this.running.delete(promise));
  }
}

