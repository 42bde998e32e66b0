import { DrillLedger, drillSummary } from './drill-ledger';
import { DrillPoint, drillDatabaseName, drillDatabases, drillPoint, drillPointAt, drillRunTag } from './drill-plan';
import { PendingDrill, withPending } from './drill-state';
import { DrillStateStore } from './drill-state-store';
import { isActive, PAUSED_STATUS } from '../observe/job';
import { submitDetached } from '../observe/job-queries';
import { log } from '../report/log';
import { redact, redactedMessage } from '../report/redact';
import { buildRestoreStatement } from './restore-statement';
import { BackupResult, DrillSummary, RunStats } from '../report/result';
import { SessionInput, withRunSession } from '../connect/run-session';
import { Session } from '../connect/session';
import { readStoredChain, StoredChain } from '../observe/stored-chain';
import { newestChainName } from '../observe/chain-names';
import { oldestPointInWindow } from './oldest-in-window';
import { drillLocation, offsiteCopyLabel, prepareDrillTarget } from './drill-location';
import { pollJob, Sleep, sleep } from '../verify/verify';

/** The chain a drill reads and restores, named by its full backup's subdirectory. */
interface NamedChain {
  readonly subdirectory: string;
  readonly chain: StoredChain;
}

/** What a drill restores: the chain, the point in it, and why that point when it is not the plan's own (oldest in window). */
interface DrillTarget extends NamedChain {
  readonly point: DrillPoint;
  readonly note?: string;
}

/**
 * The chain and point to drill: by default the newest chain (`SHOW BACKUPS IN`, then that chain
 * by name) at drill-plan.ts's point; with DRILL_OLDEST_IN_WINDOW, the oldest point the retention
 * promises, from the chain that serves it (oldest-in-window.ts, the same two round trips).
 * Undefined: storage holds no completed full backup.
 */
async function chooseDrillTarget(session: Session, target: string, input: SessionInput, now: Date): Promise<DrillTarget | undefined> {
  const { settings } = input;
  if (settings.drillOldestInWindow && settings.retentionSeconds > 0) {
    const plan = await oldestPointInWindow(session, target, settings, now);
    if (plan === undefined) return undefined;
    const newest = plan.chain.layers[plan.chain.layers.length - 1];
    // Without AS OF SYSTEM TIME the chain restores to its newest layer's exact end (drill-plan.ts).
    const point = plan.asOf === undefined ? { at: newest.end, databases: newest.databases } : drillPointAt(plan.chain, plan.asOf);
    return { subdirectory: plan.subdirectory, chain: plan.chain, point, note: plan.note };
  }
  const subdirectory = await newestChainName(session, target);
  const chain = subdirectory === undefined ? undefined : await readStoredChain(session, target, subdirectory);
  if (subdirectory === undefined || chain === undefined) return undefined;
  return { subdirectory, chain, point: drillPoint(chain, settings.revisionHistory) };
}

/**
 * The drills this run submits: one RESTORE per database that exists at the drill's point in
 * the chain (or of DRILL_DATABASES), all as of that point, under names no user has. They name
 * the chain they read (`FROM '<subdir>' IN`), not LATEST, so a full backup completing between
 * the read and the RESTORE cannot move them to another chain. They run side by side.
 */
async function submitDrills(session: Session, target: string, { subdirectory, point }: DrillTarget, input: SessionInput, ledger: DrillLedger, taken: Set<string>, now: Date): Promise<PendingDrill[]> {
  const { databases, absent } = drillDatabases(point, input.settings.drillDatabases);
  for (const database of absent) ledger.submitFailures.push(`database ${database} (DRILL_DATABASES) is not in the chain ${subdirectory} as of ${point.at.toISOString()}`);
  if (databases.length === 0 && absent.length === 0) ledger.submitFailures.push(`the chain ${subdirectory} holds no database to restore as of ${point.at.toISOString()}`);
  const tag = drillRunTag(now);
  const location = drillLocation(input.settings);
  const submitted: PendingDrill[] = [];
  for (const database of databases) {
    const restoredName = drillDatabaseName(database, tag, taken);
    taken.add(restoredName);
    const statement = buildRestoreStatement({ database, source: target, subdirectory, asOf: point.asOf, newDatabaseName: restoredName, mode: 'verify-data', detached: true });
    try {
      const jobId = await submitDetached(session, `the restore drill of ${database}`, statement);
      submitted.push({ jobId, database, restoredName, asOf: point.at.toISOString(), submittedAt: now.toISOString(), location });
    } catch (error) {
      ledger.submitFailures.push(redactedMessage(error));
    }
  }
  return submitted;
}

/** Waits for the run's own drills within the budget; each that ends is reported and cleaned up, the rest stay pending. */
async function awaitDrills(session: Session, drills: readonly PendingDrill[], input: SessionInput, ledger: DrillLedger, wait: Sleep): Promise<void> {
  for (const drill of drills) {
    const job = await pollJob(session, undefined, drill.jobId, input.budget, wait, 'restore drill job');
    if (job !== undefined && (isActive(job) || job.status === PAUSED_STATUS)) ledger.notePaused(drill, job);
    else await ledger.settle(session, drill, job);
  }
}

/** The run's message: what ended, what runs on, what could not be done. */
function describeDrills(summary: DrillSummary, own: readonly PendingDrill[], chain: NamedChain | undefined, store: DrillStateStore): string {
  const ownIds = new Set(own.map((d) => d.jobId));
  const parts: string[] = [];
  if (own.length > 0) parts.push(`restore drill of the chain ${chain?.subdirectory} as of ${own[0].asOf} of ${own.map((d) => d.database).join(', ')}`);
  else if (chain !== undefined && summary.submitFailures.length === 0) parts.push('no restore drill submitted');
  for (const report of summary.ended) {
    const earlier = ownIds.has(report.jobId) ? '' : 'earlier ';
    parts.push(`${earlier}drill job ${report.jobId} of ${report.database} ${report.status === 'succeeded' ? 'succeeded' : `ended ${report.status}${report.error === undefined ? '' : `: ${report.error}`}`}`);
  }
  const running = summary.pending.filter((d) => ownIds.has(d.jobId));
  if (running.length > 0) {
    const follow = store.persistent ? 'the next run reports how it ends and drops its database' : `nothing follows it (state in ${store.description}): drop ${running.map((d) => d.restoredName).join(', ')} once it ended, or let the next drill drop it`;
    parts.push(`drill jobs ${running.map((d) => d.jobId).join(', ')} not ended at the end of the time budget; ${follow}`);
  }
  parts.push(...summary.submitFailures, ...summary.cleanupFailures, ...summary.problems);
  return parts.join('; ');
}

/**
 * A `restore-drill` run:
 * 1. the drills' state: pending drills that ended are reported and cleaned up; while one is
 *    still running (or paused) the run submits none (`skipped`), as backups do not stack;
 * 2. leftovers: databases with the drill prefix and no pending job are dropped;
 * 3. storage: the newest chain's name (`SHOW BACKUPS IN`), then that chain (`SHOW BACKUP FROM
 *    '<subdir>' IN`, one row per database per layer): its layer ends and each layer's databases;
 * 4. one `RESTORE DATABASE ... FROM '<subdir>' IN ... [AS OF SYSTEM TIME <t>] WITH schema_only,
 *    verify_backup_table_data, new_db_name = ..., DETACHED` per database that exists at the
 *    drill's point (drill-plan.ts), recorded as pending before any wait;
 * 5. each job followed like a backup (verify.ts) within the budget, then its database dropped.
 * The run fails when a drill failed or could not be submitted; a drill still running at the
 * end of the budget leaves the run `submitted`, and a later run (any kind) reports it.
 * With DRILL_COPY_BUCKET_NAME, steps 3 and 4 read the off-site copy instead of the primary
 * (drill-location.ts): the copy's own newest chain, so a copy that lags is drilled as far as
 * it reaches (the point restored says how far; the lag is the replication alarm's business);
 * a copy missing a file fails the drill, and the message starts with the copy's location.
 */
export async function runRestoreDrill(input: SessionInput, store: DrillStateStore, now: () => Date = () => new Date(), wait: Sleep = sleep): Promise<BackupResult> {
  const copy = offsiteCopyLabel(input.settings);
  let drills: DrillLedger;
  try {
    drills = await DrillLedger.read(store);
  } catch (error) {
    return drillRunFailed(stateUnreadable(store, error));
  }
  let own: PendingDrill[] = [];
  let chain: DrillTarget | undefined;
  let blocking: readonly PendingDrill[] = [];
  const { error, stats } = await withRunSession(input, async (session, credentials) => {
    const target = await prepareDrillTarget(session, input.settings, credentials.accessKey);
    await drills.followPending(session);
    blocking = drills.state.pending;
    if (blocking.length > 0) return;
    const taken = await drills.sweepLeftovers(session);
    chain = await chooseDrillTarget(session, target, input, now());
    if (chain === undefined) {
      drills.submitFailures.push(copy === undefined ? 'storage holds no completed full backup to restore' : NO_BACKUP_IN_COPY);
      return;
    }
    own = await submitDrills(session, target, chain, input, drills, taken, now());
    // Recorded before any wait: if the Lambda is stopped, the next run still finds them.
    drills.update(withPending(drills.state, own));
    await drills.save();
    await awaitDrills(session, own, input, drills, wait);
  });
  if (error !== undefined) drills.submitFailures.push(error);
  await drills.save();
  const summary = { ...drills.summary(now(), input.settings.drillIntervalSeconds), location: drillLocation(input.settings) };
  const failed = summary.submitFailures.length > 0 || summary.ended.some((r) => r.status !== 'succeeded');
  const running = summary.pending.some((d) => own.some((o) => o.jobId === d.jobId));
  const first = own[0];
  const firstEnded = summary.ended.find((r) => r.jobId === first?.jobId);
  const skipped = `restore drill jobs ${blocking.map((d) => `${d.jobId} (${d.database})`).join(', ')} have not ended: not stacking another drill on them`;
  const told = [...(blocking.length > 0 ? [skipped] : []), describeDrills(summary, own, chain, store), ...(own.length > 0 && chain?.note !== undefined ? [chain.note] : [])]
    .filter((part) => part !== '')
    .join('; ');
  return {
    action: failed ? 'failed' : blocking.length > 0 ? 'skipped' : running ? 'submitted' : 'passed',
    kind: 'restore-drill',
    jobId: first?.jobId,
    status: first === undefined ? undefined : (firstEnded?.status ?? 'running'),
    reportedJobs: [],
    // A drill of the off-site copy says so first: the alarm's log search shows which copy failed.
    message: redact(copy === undefined ? told : `${copy}: ${told}`),
    submittedJobIds: own.map((d) => d.jobId),
    drills: summary,
    stats,
  };
}

/**
 * A copy without a complete full backup: S3 replication copies only objects written after its
 * rule was created (older ones need S3 Batch Replication), and a full backup's manifest, the
 * last file it writes, may not have been replicated yet.
 */
const NO_BACKUP_IN_COPY =
  'the copy holds no completed full backup to restore (is replication on? objects written before the replication rule need S3 Batch Replication; a full backup that just ended may not be replicated yet)';

const NO_COST: RunStats = { sqlRoundTrips: 0, secretFetches: 0 };

function stateUnreadable(store: DrillStateStore, error: unknown): string {
  return `reading the drill state from ${store.description} failed: ${redactedMessage(error)}`;
}

function drillRunFailed(message: string): BackupResult {
  return { action: 'failed', kind: 'restore-drill', reportedJobs: [], message, submittedJobIds: [], drills: drillSummary({ submitFailures: [message] }), stats: NO_COST };
}

/**
 * What every other run does when drills are on: read the state, and only when drills are
 * pending, connect to look at them (`SHOW JOB <id>`, no wait), report and clean up those that
 * ended; then NewestDrillAgeSeconds. It never throws and never fails the run: a problem is
 * logged at ERROR (and a missing age sample is what the drill-age alarm sees).
 */
export async function followDrills(input: SessionInput, store: DrillStateStore, now: () => Date = () => new Date()): Promise<{ summary: DrillSummary; stats: RunStats }> {
  let ledger: DrillLedger;
  try {
    ledger = await DrillLedger.read(store);
  } catch (error) {
    const problem = stateUnreadable(store, error);
    log('ERROR', problem);
    return { summary: drillSummary({ problems: [problem] }), stats: NO_COST };
  }
  let stats = NO_COST;
  if (ledger.state.pending.length > 0) {
    const outcome = await withRunSession(input, (session) => ledger.followPending(session));
    if (outcome.error !== undefined) ledger.problems.push(`following the pending restore drills failed: ${outcome.error}`);
    stats = outcome.stats;
  }
  await ledger.save();
  return { summary: ledger.summary(now(), input.settings.drillIntervalSeconds), stats };
}
