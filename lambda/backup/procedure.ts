import { BackupKind } from '../../contract/backup-event';
import { Budget } from './connect/budget';
import { ClassifiedJob, curableFailure, needsRebaselineConsent } from './decide/classify';
import { BackupSettings } from './connect/config';
import { analyzeCollection, CollectionState, decide, DecisionPolicy, rebaselineInstruction } from './decide/decide';
import { FullBackupChecks } from './verify/full-backup-checks';
import { afterKeyRejection, rejectedKey, retryRejectedAdvice } from './verify/key-rejection';
import { FAILED_STATUSES, isActive, JobRow, PAUSED_STATUS } from './observe/job';
import { submitDetached } from './observe/job-queries';
import { log } from './report/log';
import { observe } from './observe/observe';
import { redactedMessage } from './report/redact';
import { BackupResult, ReportedJob, reportJob, RunAction } from './report/result';
import { Credentials, SecretSource } from './connect/secrets';
import { credentialAdvice } from './connect/errors';
import { Session } from './connect/session';
import { buildBackupStatement } from './submit/statement';
import { AccessKey, collectionLabel } from './submit/storage';
import { withRunSession } from './connect/run-session';
import { prepareTarget } from './submit/target';
import { pollJob, Sleep, sleep } from './verify/verify';
import { observeRetentionWindow } from './retention/observe-window';
import { RetentionPromiseSource } from './retention/promise';
import { RetentionWindowValues } from './retention/window';

export interface ProcedureInput {
  readonly settings: BackupSettings;
  /** The kind the schedule asked for. */
  readonly requested: BackupKind;
  readonly secrets: SecretSource;
  readonly budget: Budget;
  readonly now: () => Date;
  /** When the retention promise began (RETENTION_PARAMETER); undefined without retention or in the local runner. */
  readonly retentionPromise?: RetentionPromiseSource;
}

/**
 * The procedure (docs/design.md steps 2-9), which reads one way: secrets and connection,
 * observe (storage and the job table), decide (a pure function of what was observed),
 * submit, verify, report. The one re-entry is the documented cure: an incremental that
 * failed in a way only a full backup cures is followed by one full backup in the same
 * run. Runs of one collection do not race each other: the Lambda has reserved
 * concurrency 1 and its schedules never coincide.
 *
 * It never throws: every failure becomes a `failed` result with a message a person can
 * act on, so that the caller logs and counts it in one place. The connection is always
 * closed.
 */
export async function runBackup(input: ProcedureInput): Promise<BackupResult> {
  const run = new Run(input);
  const { value, error, stats } = await withRunSession(input, (session, credentials) => run.execute(session, credentials));
  return run.result(value ?? { action: 'failed', kind: input.requested, message: error ?? 'the run ended without an outcome' }, stats);
}

interface Outcome {
  readonly action: RunAction;
  readonly kind: BackupKind;
  readonly message: string;
  readonly job?: JobRow;
}

/** A verified backup: the run's outcome, and the reason for a cure when one is due. */
interface Verified {
  readonly outcome: Outcome;
  readonly cure?: string;
}

class Run {
  private readonly now: () => Date;
  private readonly wait: Sleep = sleep;
  private state?: CollectionState;
  private readonly reported = new Map<string, ReportedJob>();
  private readonly submitted: string[] = [];
  /** The run's own backup that succeeded: its kind and the end time of its data. */
  private ownSucceeded?: { kind: BackupKind; end: Date };
  /** The file checks around a full backup (full-backup-checks.ts). */
  private readonly checks: FullBackupChecks;
  /** A job failed on a rejected key and was submitted again with a freshly read one. */
  private retriedWithFreshKey = false;
  /** The restorable window storage shows, with retention on. */
  private window?: RetentionWindowValues;

  constructor(private readonly input: ProcedureInput) {
    this.now = input.now;
    this.checks = new FullBackupChecks(input.settings, input.budget);
  }

  private get settings(): BackupSettings {
    return this.input.settings;
  }

  private get policy(): DecisionPolicy {
    return {
      maxIncrementals: this.settings.maxIncrementals,
      autoRebaseline: this.settings.autoRebaseline,
      asOfSystemTimeSeconds: this.settings.asOfSystemTimeSeconds,
      revisionHistory: this.settings.revisionHistory,
      collectionLabel: collectionLabel(this.settings),
    };
  }

  async execute(session: Session, credentials: Credentials): Promise<Outcome> {
    // Storage is read through the external connection too, so it must exist before observing.
    const target = await this.useKey(session, credentials.accessKey);
    const state = analyzeCollection(await observe(session, this.settings, target), this.now(), {
      windowSeconds: this.settings.incrementalIntervalSeconds,
      asOfSystemTimeSeconds: this.settings.asOfSystemTimeSeconds,
    });
    this.state = state;
    // With retention: one more round trip, SHOW BACKUPS IN, for the window's metrics.
    if (this.settings.retentionSeconds > 0) this.window = await observeRetentionWindow(session, target, this.settings, this.input.retentionPromise, this.now());
    for (const job of [...state.endedRecently, ...state.paused]) this.report(job);

    const decision = decide(this.input.requested, state, this.policy);
    let kind: BackupKind;
    let reason: string;
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
        [kind, reason] = ['full', decision.reason];
        break;
      }
      case 'submit':
        [kind, reason] = [decision.kind, decision.reason];
        break;
    }

    const first = await this.retryOnRejectedKey(session, await this.backUp(session, target, kind, reason), { key: credentials.accessKey, target }, kind);
    if (first.verified.cure === undefined) return first.verified.outcome;
    // The documented cure: one full backup. A full backup is never cured, so this ends here.
    return (await this.backUp(session, first.target, 'full', first.verified.cure)).outcome;
  }

  /**
   * The backup target for a key; in external-connection mode the connection is first
   * replaced (DROP and CREATE) if it holds another key, so no backup uses an old one.
   */
  private async useKey(session: Session, key: AccessKey | undefined): Promise<string> {
    return prepareTarget(session, this.settings, key);
  }

  /**
   * At most one retry per run: a job that failed because S3 rejected its key is submitted
   * once more when the access-key secret now holds another key (a rotation completed
   * during the run, key-rejection.ts); otherwise, or when the retry is rejected too, the
   * outcome's message says what to check. Returns the verified job that counts and the
   * target that a cure must use.
   */
  private async retryOnRejectedKey(
    session: Session,
    verified: Verified,
    { key: used, target }: { key: AccessKey | undefined; target: string },
    kind: BackupKind,
  ): Promise<{ verified: Verified; target: string }> {
    const code = rejectedKey(verified.outcome.job);
    // Keyless modes have no key to refresh: the job's error carries its own advice (judge).
    if (code === undefined || used === undefined) return { verified, target };
    const step = await afterKeyRejection(this.input.secrets, used, code);
    if (!step.retry) return { verified: { outcome: { ...verified.outcome, message: `${verified.outcome.message}. ${step.advice}` } }, target };
    log('WARN', step.note);
    this.retriedWithFreshKey = true;
    const freshTarget = await this.useKey(session, step.freshKey);
    const retried = await this.backUp(session, freshTarget, kind, step.note);
    const again = rejectedKey(retried.outcome.job);
    if (again === undefined) return { verified: retried, target: freshTarget };
    return { verified: { outcome: { ...retried.outcome, message: `${retried.outcome.message}. ${retryRejectedAdvice(again, step.freshKey)}` } }, target: freshTarget };
  }

  /** Submits one backup and verifies it. */
  private async backUp(session: Session, target: string, kind: BackupKind, reason: string): Promise<Verified> {
    if (kind === 'full') await this.checks.beforeFull(session, target, this.state?.chain !== undefined);
    const statement = buildBackupStatement({
      kind,
      target,
      asOfSystemTimeSeconds: this.settings.asOfSystemTimeSeconds,
      revisionHistory: this.settings.revisionHistory,
    });
    const jobId = await submitDetached(session, `the ${kind} backup statement`, statement);
    this.submitted.push(jobId);
    const job = await pollJob(session, undefined, jobId, this.input.budget, this.wait);
    if (job === undefined) {
      return { outcome: { action: 'failed', kind, message: `${kind} backup job ${jobId} disappeared from the job table (SHOW JOB) before it ended` } };
    }
    const verified = this.judge(kind, reason, { ...job, kind });
    if (kind === 'full' && job.status === 'succeeded') await this.checks.afterFull(session, target);
    return verified;
  }

  /** Turns the verified job into the run's outcome, and says whether a full backup cures it. */
  private judge(kind: BackupKind, reason: string, job: ClassifiedJob): Verified {
    // The message says why this kind was chosen, then how the job ended.
    const what = `${reason}: ${kind} backup job ${job.jobId}`;
    if (job.status === 'succeeded') {
      this.report(job);
      // The earliest end its whole-second `created` allows (decide.ts, plannedEnd, takes the latest): the backup's age errs old.
      this.ownSucceeded = { kind, end: new Date(job.created.getTime() - this.settings.asOfSystemTimeSeconds * 1000) };
      return { outcome: { action: 'submitted', kind, job, message: `${what} succeeded` } };
    }
    if (job.status === PAUSED_STATUS) {
      this.report(job);
      return { outcome: { action: 'failed', kind, job, message: `${what} is paused: resume it (RESUME JOB ${job.jobId}) or cancel it (CANCEL JOB ${job.jobId})` } };
    }
    if (!FAILED_STATUSES.includes(job.status)) {
      return { outcome: { action: 'submitted', kind, job, message: `${what} is still ${job.status} at the end of the time budget; the next run reports how it ended` } };
    }
    this.report(job);
    const advice = credentialAdvice(job.error);
    const failed: Outcome = { action: 'failed', kind, job, message: `${what} ended ${job.status}${job.error === '' ? '' : `: ${job.error}`}${advice === undefined ? '' : `. ${advice}`}` };
    const failure = job.status === 'failed' ? curableFailure(job.error) : undefined;
    if (kind !== 'incremental' || failure === undefined) return { outcome: failed };
    if (needsRebaselineConsent(failure) && !this.settings.autoRebaseline) {
      return { outcome: { ...failed, message: `${what} failed: ${rebaselineInstruction(this.policy, failure)}` } };
    }
    return { outcome: failed, cure: `incremental backup job ${job.jobId} failed (${job.error}), so a full backup was taken` };
  }

  /**
   * With following on (FOLLOW_STATE_PARAMETER), the follow checks tell every job's end, once
   * (docs/job-following.md); the run tells none. Without (the local runner), the run tells
   * its own job and the jobs that ended within INCREMENTAL_INTERVAL_SECONDS.
   */
  private report(job: ClassifiedJob): void {
    if (this.settings.followStateParameter === undefined) this.reported.set(job.jobId, reportJob(job));
  }

  /**
   * The result; the age and chain length are storage's (every backup counts, whoever
   * took it), updated by the run's own backup if it succeeded.
   */
  result(outcome: Outcome, stats: BackupResult['stats']): BackupResult {
    const chain = this.state?.chain;
    const newest = [this.ownSucceeded?.end, chain?.newestEnd].filter((d): d is Date => d !== undefined).sort((a, b) => b.getTime() - a.getTime())[0];
    const chainLength = this.ownSucceeded === undefined ? chain?.incrementals : this.ownSucceeded.kind === 'full' ? 0 : (chain?.incrementals ?? -1) + 1;
    return {
      action: outcome.action,
      kind: outcome.kind,
      jobId: outcome.job?.jobId,
      status: outcome.job?.status,
      newestBackupAgeSeconds: newest === undefined ? undefined : Math.max(0, Math.round((this.now().getTime() - newest.getTime()) / 1000)),
      chainLength,
      reportedJobs: [...this.reported.values()],
      message: redactedMessage(outcome.message),
      submittedJobIds: [...this.submitted],
      fileChecks: [...this.checks.done],
      retriedWithFreshKey: this.retriedWithFreshKey || undefined,
      jobsFollowed: this.settings.followStateParameter !== undefined || undefined,
      oldestRestorableAgeSeconds: this.window?.oldestRestorableAgeSeconds,
      retentionShortfallSeconds: this.window?.retentionShortfallSeconds,
      stats,
    };
  }
}
