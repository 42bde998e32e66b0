import { BackupKind } from '../../contract/backup-event';
import { Contender, pickWinner, supersedingJob } from './arbitrate';
import { Budget } from './budget';
import { ClassifiedJob, curableFailure, kindOfNewJob, needsRebaselineConsent } from './classify';
import { BackupSettings } from './config';
import { analyzeCollection, CollectionState, decide, rebaselineInstruction } from './decide';
import { BackupFailure, isAuthenticationFailure } from './errors';
import { ensureExternalConnection } from './external-connection';
import { FAILED_STATUSES, isActive, JobRow, PAUSED_STATUS } from './job';
import { cancelJob, collectionJobs, RECENT_JOBS_LIMIT } from './job-queries';
import { log } from './log';
import { redactedMessage } from './redact';
import { BackupResult, ReportedJob, reportJob, RunAction } from './result';
import { Credentials, SecretSource } from './secrets';
import { Session } from './session';
import { buildBackupStatement } from './statement';
import { backupTarget, buildS3Uri, collectionJobsPattern, collectionLabel } from './storage';
import { nextDelay, pollJob, POLL, Sleep, sleep } from './verify';

export interface ProcedureInput {
  readonly settings: BackupSettings;
  /** The kind the schedule asked for. */
  readonly requested: BackupKind;
  readonly secrets: SecretSource;
  readonly budget: Budget;
}

/**
 * The procedure (docs/design.md steps 2-8): secrets, connection, reconcile with the job
 * table, decide, submit, arbitrate, verify. It never throws: every failure becomes a
 * `failed` result with a message a person can act on, so that the caller logs and
 * counts it in one place. The connection is always closed.
 */
export async function runBackup(input: ProcedureInput): Promise<BackupResult> {
  const run = new Run(input);
  const fetchesBefore = input.secrets.fetchCount;
  let session: Session | undefined;
  let outcome: Outcome;
  try {
    const opened = await connect(input);
    session = opened.session;
    outcome = await run.execute(session, opened.credentials);
  } catch (error) {
    outcome = { action: 'failed', kind: input.requested, message: redactedMessage(error) };
  } finally {
    await session?.close();
  }
  return run.result(outcome, {
    sqlRoundTrips: session?.roundTrips ?? 0,
    secretFetches: input.secrets.fetchCount - fetchesBefore,
  });
}

/** Connects with the cached secrets; after an authentication failure, fetches them again once (rotation). */
async function connect(input: ProcedureInput): Promise<{ session: Session; credentials: Credentials }> {
  const options = {
    tlsVerify: input.settings.tlsVerify,
    connectTimeoutMs: input.settings.connectTimeoutMs,
    statementTimeoutMs: input.settings.statementTimeoutMs,
    budget: input.budget,
  };
  const first = await input.secrets.load(false);
  try {
    return { session: await Session.open(first.credentials.connection, options), credentials: first.credentials };
  } catch (error) {
    if (first.fresh || !isAuthenticationFailure(error)) throw error;
    log('WARN', 'authentication failed with the cached connection secret: fetching it again (rotated password?)');
    const again = await input.secrets.load(true);
    return { session: await Session.open(again.credentials.connection, options), credentials: again.credentials };
  }
}

function superseded(jobId: string, kind: BackupKind, winner: Contender): Outcome {
  return {
    action: 'superseded',
    kind,
    winnerId: winner.jobId,
    message: `${kind} backup job ${jobId} was canceled in favour of concurrent ${winner.kind} backup job ${winner.jobId} of the same collection`,
  };
}

interface Outcome {
  readonly action: RunAction;
  readonly kind: BackupKind;
  readonly message: string;
  readonly job?: JobRow;
  /** For `superseded`: the winning job. */
  readonly winnerId?: string;
}

class Run {
  private readonly now = (): Date => new Date();
  private readonly wait: Sleep = sleep;
  private state?: CollectionState;
  private readonly reported = new Map<string, ReportedJob>();
  private readonly submitted: string[] = [];
  private ownSucceeded?: { kind: BackupKind; at: Date };

  constructor(private readonly input: ProcedureInput) {}

  private get settings(): BackupSettings {
    return this.input.settings;
  }

  async execute(session: Session, credentials: Credentials): Promise<Outcome> {
    const pattern = collectionJobsPattern(this.settings);
    const state = analyzeCollection(await collectionJobs(session, pattern), this.now(), this.settings.incrementalIntervalSeconds);
    this.state = state;
    for (const job of [...state.endedRecently, ...state.paused]) this.report(job);
    const decision = decide(this.input.requested, state, {
      maxIncrementals: this.settings.maxIncrementals,
      autoRebaseline: this.settings.autoRebaseline,
      collectionLabel: collectionLabel(this.settings),
    });
    switch (decision.action) {
      case 'fail':
        return { action: 'failed', kind: this.input.requested, message: decision.reason };
      case 'skip':
        return { action: 'skipped', kind: this.input.requested, message: decision.reason, job: decision.blocking };
      case 'wait': {
        const ended = await pollJob(session, decision.blocking, decision.blocking.jobId, this.input.budget, this.wait);
        if (ended !== undefined && isActive(ended)) {
          return { action: 'skipped', kind: 'full', message: `${decision.reason}; it is still ${ended.status} at the end of the time budget`, job: ended };
        }
        if (ended !== undefined) this.report({ ...decision.blocking, ...ended });
        return this.submitAndVerify(session, credentials, 'full', pattern, decision.reason);
      }
      case 'submit':
        return this.submitAndVerify(session, credentials, decision.kind, pattern, decision.reason);
    }
  }

  /** Submits one backup, arbitrates against concurrent runs, verifies; cures a failed incremental with a full backup. */
  private async submitAndVerify(
    session: Session,
    credentials: Credentials,
    kind: BackupKind,
    pattern: string,
    reason: string,
  ): Promise<Outcome> {
    if (this.settings.storageMode === 'external-connection') {
      const change = await ensureExternalConnection(session, this.settings.externalConnectionName!, buildS3Uri(this.settings, credentials.accessKey));
      if (change !== 'kept') log('INFO', `external connection ${this.settings.externalConnectionName} ${change}`);
    }
    const statement = buildBackupStatement({
      kind,
      target: backupTarget(this.settings, credentials.accessKey),
      asOfSystemTimeSeconds: this.settings.asOfSystemTimeSeconds,
      revisionHistory: this.settings.revisionHistory,
    });
    const rows = await session.query<{ job_id: string }>(`the ${kind} backup statement`, statement);
    if (rows.length !== 1 || rows[0].job_id === undefined || rows[0].job_id === null) {
      throw new BackupFailure(`the ${kind} backup statement returned ${rows.length} rows instead of one job id`);
    }
    const jobId = String(rows[0].job_id);
    this.submitted.push(jobId);

    // One query serves two purposes: the first poll of the run's own job, and the
    // check for a concurrent run's job (arbitrate.ts). The wait before it is short
    // (POLL.firstDelayMs, 50 ms) only so that a job ending in milliseconds is seen ended
    // by this first read. Arbitration does not rely on it: a DETACHED BACKUP writes its
    // job row in the statement's own transaction and returns the id once that committed
    // (cockroachdb/cockroach#50775), so whichever run reads later sees both jobs,
    // whatever either waited. A longer wait would only let the run's own job end before
    // the read, and a job that ended is no longer arbitrated.
    await this.wait(POLL.firstDelayMs);
    const recent = await collectionJobs(session, pattern, RECENT_JOBS_LIMIT);
    const own = recent.find((j) => j.jobId === jobId);
    const verdict = own !== undefined && isActive(own) ? await this.arbitrate(session, jobId, kind, recent) : undefined;
    if (verdict !== undefined) return verdict;

    const job = await pollJob(session, own, jobId, this.input.budget, this.wait, own === undefined ? 0 : nextDelay(POLL.firstDelayMs));
    if (job === undefined) {
      return { action: 'failed', kind, message: `${kind} backup job ${jobId} disappeared from crdb_internal.jobs before it ended` };
    }
    return this.judge(session, credentials, kind, pattern, reason, { ...job, kind });
  }

  /**
   * Resolves a race with a concurrent run while the run's own job is active
   * (arbitrate.ts explains why this is enough). A job that already ended is no longer
   * stacked on, so only active jobs contend. Returns an outcome only when the run's own
   * job lost.
   */
  private async arbitrate(session: Session, jobId: string, kind: BackupKind, recent: readonly JobRow[]): Promise<Outcome | undefined> {
    const contenders = this.contenders(recent, jobId, kind, isActive);
    if (contenders.length < 2) return undefined;
    const winner = pickWinner(contenders);
    for (const loser of contenders.filter((c) => c.jobId !== winner.jobId)) {
      const canceled = await cancelJob(session, loser.jobId);
      log('WARN', 'concurrent backups of one collection', { winner: winner.jobId, loser: loser.jobId, canceled });
    }
    return winner.jobId === jobId ? undefined : superseded(jobId, kind, winner);
  }

  /**
   * The run's own job and the jobs of concurrent runs that `count` against it: jobs of
   * the collection the reconcile query did not see (created since).
   */
  private contenders(recent: readonly JobRow[], jobId: string, kind: BackupKind, count: (job: JobRow) => boolean): Contender[] {
    const seenBefore = new Set(this.state!.jobs.map((j) => j.jobId));
    const knownSubdirs = new Set(this.state!.jobs.flatMap((j) => (j.subdir === undefined ? [] : [j.subdir])));
    const others = recent
      .filter((j) => j.jobId !== jobId && !seenBefore.has(j.jobId) && count(j))
      .map((j) => ({ jobId: j.jobId, kind: kindOfNewJob(j, knownSubdirs) ?? 'incremental' }));
    return [{ jobId, kind }, ...others];
  }

  /**
   * When the run's own job was canceled, finds out whether a concurrent run did it:
   * the run whose arbitration query came first saw no conflict (arbitrate.ts), so it
   * learns that it lost only from its job's status. The job that beats it is reported.
   */
  private async canceledBy(session: Session, pattern: string, jobId: string, kind: BackupKind): Promise<Contender | undefined> {
    const recent = await collectionJobs(session, pattern, RECENT_JOBS_LIMIT);
    const contenders = this.contenders(recent, jobId, kind, (j) => isActive(j) || j.status === 'succeeded');
    const winner = pickWinner(contenders);
    return winner.jobId === jobId ? undefined : winner;
  }

  /** Turns the verified job into the run's outcome. */
  private async judge(
    session: Session,
    credentials: Credentials,
    kind: BackupKind,
    pattern: string,
    reason: string,
    job: ClassifiedJob,
  ): Promise<Outcome> {
    // The message says why this kind was chosen, then how the job ended.
    const what = `${reason}: ${kind} backup job ${job.jobId}`;
    if (job.status === 'succeeded') {
      this.report(job);
      this.ownSucceeded = { kind, at: job.finished ?? this.now() };
      return { action: 'submitted', kind, job, message: `${what} succeeded` };
    }
    if (job.status === PAUSED_STATUS) {
      this.report(job);
      return { action: 'failed', kind, job, message: `${what} is paused: resume it (RESUME JOB ${job.jobId}) or cancel it (CANCEL JOB ${job.jobId})` };
    }
    if (!FAILED_STATUSES.includes(job.status)) {
      return { action: 'submitted', kind, job, message: `${what} is still ${job.status} at the end of the time budget; the next run reports how it ended` };
    }
    const winner = job.status === 'canceled' ? await this.canceledBy(session, pattern, job.jobId, kind) : undefined;
    if (winner !== undefined) return superseded(job.jobId, kind, winner);
    this.report(job);
    const failure = job.status === 'failed' ? curableFailure(job.error) : undefined;
    // Only an incremental is cured, by a full backup: the cure cannot recurse.
    if (kind === 'incremental' && failure !== undefined) {
      if (needsRebaselineConsent(failure) && !this.settings.autoRebaseline) {
        return { action: 'failed', kind, job, message: `${what} failed: ${rebaselineInstruction(collectionLabel(this.settings), failure)}` };
      }
      return this.submitAndVerify(session, credentials, 'full', pattern, `incremental backup job ${job.jobId} failed (${job.error}), so a full backup was taken`);
    }
    return { action: 'failed', kind, job, message: `${what} ended ${job.status}${job.error === '' ? '' : `: ${job.error}`}` };
  }

  /** Reports a job; a job canceled by an earlier arbitration names the job that beat it. */
  private report(job: ClassifiedJob): void {
    this.reported.set(job.jobId, reportJob(job, supersedingJob(job, this.state!.jobs)?.jobId));
  }

  result(outcome: Outcome, stats: BackupResult['stats']): BackupResult {
    const state = this.state;
    const newest = [this.ownSucceeded?.at, state?.newestSuccess?.finished].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
    const chainLength =
      this.ownSucceeded !== undefined
        ? this.ownSucceeded.kind === 'full'
          ? 0
          : (state?.chain?.length ?? -1) + 1
        : state?.chain?.length;
    return {
      action: outcome.action,
      kind: outcome.kind,
      jobId: outcome.winnerId ?? outcome.job?.jobId,
      status: outcome.winnerId === undefined ? outcome.job?.status : undefined,
      newestBackupAgeSeconds: newest === undefined ? undefined : Math.max(0, Math.round((this.now().getTime() - newest.getTime()) / 1000)),
      chainLength,
      reportedJobs: [...this.reported.values()],
      message: redactedMessage(outcome.message),
      submittedJobIds: [...this.submitted],
      stats,
    };
  }
}
