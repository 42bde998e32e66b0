import { format } from 'util';
import { BackupKind } from '../contract/backup-event';
import { ENV } from '../contract/environment';
import { handler } from '../lambda/backup/handler';
import { parseConnectionSecret } from '../lambda/backup/connect/secrets';
import { buildS3Uri } from '../lambda/backup/submit/storage';
import { testSettings } from '../test/lambda/helpers/fixtures';
import { ACCESS_KEY, BACKUP_USER, BUCKET, COLLECTION, connectionSecretFor } from '../test/lambda/helpers/harness';
import { CockroachDouble } from '../test/support/cockroach-double';
import { startS3Server } from '../test/support/aws/s3-server';
import { median, nowMs } from './measure';
import { installPgProbe, PgEvent } from './pg-probe';
import { RUNBOOK, runbookStatement } from './runbook-floor';
import { startSecretsManagerFake } from './secrets-manager-fake';

/** How long every backup job of the double runs, for the Lambda's jobs and the floor's alike. */
export const JOB_DURATION_MS = 20;
const FLOOR_COLLECTION = 'floor/cluster';

export interface RunFigures {
  /** Handler call to result (median). */
  readonly wallMs: number;
  /** Handler call to the BACKUP statement's job id (median). */
  readonly jobIdMs: number;
  readonly sqlRoundTrips: number;
  /** The most any run sent (a run whose job was still running at the first check polls once more). */
  readonly maxSqlRoundTrips: number;
  readonly secretsManagerCalls: number;
  /** Median time of each part of a run: secrets, connect, each kind of statement, waits. */
  readonly parts: readonly { readonly part: string; readonly ms: number }[];
}

export interface LambdaFigures {
  readonly runs: number;
  readonly warm: RunFigures;
  readonly cold: RunFigures;
  readonly floor: { readonly wallMs: number; readonly sqlRoundTrips: number; readonly runs: number };
  /** The first invocation in the bench process (one sample: module caches and the SDK's lazy loading are cold too). */
  readonly firstInProcessMs: number;
}

interface Sample {
  readonly wallMs: number;
  readonly jobIdMs: number;
  readonly roundTrips: number;
  readonly secretsManagerCalls: number;
  readonly parts: { part: string; ms: number }[];
}

/** Names a statement the Lambda sends by what it does, for the profile. */
export function statementName(text: string): string {
  if (text.startsWith('BACKUP')) return 'BACKUP statement';
  if (text.includes('[SHOW BACKUP FROM LATEST')) return 'read storage (SHOW BACKUP)';
  if (text.startsWith('SET use_backups_with_ids')) return 'pin the chain view (SET)';
  if (text.startsWith('SHOW JOBS SELECT')) return 'read jobs (SHOW JOBS)';
  if (text.startsWith('SHOW JOB WHEN COMPLETE')) return 'wait for the job (SHOW JOB WHEN COMPLETE)';
  if (text.startsWith('SHOW JOB ')) return 'look at the job (SHOW JOB)';
  return text.split(/\s+/).slice(0, 3).join(' ');
}

/**
 * Splits one run into secrets, connect, statements and the gaps between them: gaps after
 * the BACKUP statement are waits before checking the job, the others local work.
 */
function profile(startMs: number, endMs: number, events: readonly PgEvent[]): { part: string; ms: number }[] {
  const parts: { part: string; ms: number }[] = [];
  let cursor = startMs;
  let submitted = false;
  for (const event of events) {
    const name = event.kind === 'connect' ? 'connect (TLS + SCRAM)' : statementName(event.text);
    const gap = parts.length === 0 ? 'secrets + setup' : submitted ? 'waits before checking the job' : 'local work';
    parts.push({ part: gap, ms: event.startMs - cursor });
    parts.push({ part: name, ms: event.endMs - event.startMs });
    submitted ||= name === 'BACKUP statement';
    cursor = event.endMs;
  }
  parts.push({ part: 'close + result + metrics', ms: endMs - cursor });
  return parts;
}

function summarize(samples: readonly Sample[]): RunFigures {
  // Parts named alike within one run (two waits, two job reads) are added up; a part a
  // run did not have counts as 0 ms, so that the medians describe the typical run.
  const names = [...new Set(samples.flatMap((s) => s.parts.map((p) => p.part)))];
  const total = (sample: Sample, name: string): number => sample.parts.filter((p) => p.part === name).reduce((sum, p) => sum + p.ms, 0);
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    jobIdMs: median(samples.map((s) => s.jobIdMs)),
    sqlRoundTrips: median(samples.map((s) => s.roundTrips)),
    maxSqlRoundTrips: Math.max(...samples.map((s) => s.roundTrips)),
    secretsManagerCalls: median(samples.map((s) => s.secretsManagerCalls)),
    parts: names.map((part) => ({ part, ms: median(samples.map((s) => total(s, part))) })),
  };
}

/** Console output of the handler (summary line, EMF documents) is formatted as usual, then dropped. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const drop = (...args: unknown[]): void => void format(...args);
  Object.assign(console, { log: drop, info: drop, warn: drop, error: drop });
  try {
    return await fn();
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * Runs the Lambda's handler against the CockroachDB double (jobs take JOB_DURATION_MS),
 * S3 (s3rver behind the SigV4 proxy) and a local Secrets Manager reached by the real SDK
 * client, alternating with the runbook floor so that both see the same machine load:
 * `runs` cold runs (each with secrets the process never fetched: a fresh cache and a new
 * SDK client, as in a new execution environment), then `runs` warm runs (secrets cached).
 */
export async function measureLambdaRuns(runs: number): Promise<LambdaFigures> {
  const s3 = await startS3Server({ credentials: [ACCESS_KEY], buckets: [BUCKET] });
  // The S3 server stands in for AWS S3 (plain s3:// URIs, as deployed): the user needs only BACKUP.
  const double = await CockroachDouble.start({ users: [BACKUP_USER], jobDurationMs: JOB_DURATION_MS, awsS3Endpoint: s3.endpoint });
  const secretsManager = await startSecretsManagerFake();
  const probe = installPgProbe();
  const savedEnv = { ...process.env };
  try {
    const connectionText = connectionSecretFor(double);
    const accessKeyText = JSON.stringify(ACCESS_KEY);
    let deployment = 0;
    /** Secret ARNs no execution environment has read yet. */
    const freshArns = (): { connection: string; accessKey: string } => {
      deployment += 1;
      const arns = {
        connection: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-connection-${deployment}`,
        accessKey: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-access-key-${deployment}`,
      };
      secretsManager.serve(arns.connection, connectionText);
      secretsManager.serve(arns.accessKey, accessKeyText);
      return arns;
    };
    const environment = {
      [ENV.bucketName]: BUCKET,
      [ENV.bucketRegion]: 'eu-west-1',
      [ENV.collection]: COLLECTION,
    };
    Object.assign(process.env, environment, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIABENCHFAKE0000000',
      AWS_SECRET_ACCESS_KEY: 'bench-fake-secret-access-key',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
    });

    const invoke = async (kind: BackupKind, arns: { connection: string; accessKey: string }): Promise<Sample> => {
      process.env[ENV.connectionSecretArn] = arns.connection;
      process.env[ENV.accessKeySecretArn] = arns.accessKey;
      probe.events.length = 0;
      const callsBefore = secretsManager.calls;
      const startMs = nowMs();
      const deadline = Date.now() + 60_000;
      const result = await quietly(() => handler({ kind }, { getRemainingTimeInMillis: () => deadline - Date.now() }));
      const endMs = nowMs();
      if (result.action !== 'submitted' || result.status !== 'succeeded') {
        throw new Error(`a benchmark run did not take a verified backup: ${result.action} ${result.status}: ${result.message}`);
      }
      const backup = probe.events.find((e) => e.text.startsWith('BACKUP'));
      await double.whenJobsSettled();
      return {
        wallMs: endMs - startMs,
        jobIdMs: (backup?.endMs ?? NaN) - startMs,
        roundTrips: result.stats.sqlRoundTrips,
        secretsManagerCalls: secretsManager.calls - callsBefore,
        parts: profile(startMs, endMs, probe.events),
      };
    };

    const connection = parseConnectionSecret(connectionText, 'the connection secret', true);
    const floorUri = buildS3Uri(testSettings({ BUCKET_NAME: BUCKET, COLLECTION: FLOOR_COLLECTION }), ACCESS_KEY);
    const floorSamples: { wallMs: number; roundTrips: number }[] = [];
    const floor = async (): Promise<void> => {
      probe.events.length = 0;
      const startMs = nowMs();
      await runbookStatement(connection, RUNBOOK.incremental(floorUri));
      floorSamples.push({ wallMs: nowMs() - startMs, roundTrips: probe.events.filter((e) => e.kind === 'query').length });
      await double.whenJobsSettled();
    };

    // Setup, not measured: the first invocation takes the collection's full backup; the
    // floor's collection gets its full backup from the runbook's first statement.
    const warmArns = freshArns();
    const first = await invoke('full', warmArns);
    await runbookStatement(connection, RUNBOOK.full(floorUri));
    await double.whenJobsSettled();

    const cold: Sample[] = [];
    for (let i = 0; i < runs; i += 1) {
      cold.push(await invoke('incremental', freshArns()));
      await floor();
    }
    const warm: Sample[] = [];
    await invoke('incremental', warmArns); // fills the cache for warmArns again
    for (let i = 0; i < runs; i += 1) {
      warm.push(await invoke('incremental', warmArns));
      await floor();
    }
    return {
      runs,
      warm: summarize(warm),
      cold: summarize(cold),
      floor: {
        wallMs: median(floorSamples.map((s) => s.wallMs)),
        sqlRoundTrips: median(floorSamples.map((s) => s.roundTrips)),
        runs: floorSamples.length,
      },
      firstInProcessMs: first.wallMs,
    };
  } finally {
    probe.uninstall();
    process.env = savedEnv;
    await secretsManager.stop();
    await double.stop();
    await s3.stop();
  }
}
