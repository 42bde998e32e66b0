import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { CockroachBackupProps } from '../../../lib';
import { GC_TTL_MS } from '../../support/jobs/backup-work';
import { DEFAULT_DATABASES, SYSTEM_DATABASE, databaseRecord } from '../../support/schema';
import { layerPath, readChain } from '../../support/sql/collection-reads';
import { layersAt } from '../../support/sql/restore-point';
import { FULL_SUBDIR, fullSubdir, incrementalDir } from '../../support/storage/backup-layout';
import { buildLayer, layerFiles } from '../../support/storage/backup-manifest';
import { CfnLifecycleRule, LifecycleBucket, SimulatedCollection } from '../../support/storage/lifecycle-bucket';
import { synthBackup } from '../fixtures';
import { hlcDecimal, hlcFromDate } from '../../support/hlc';

/**
 * A year of backups in a bucket whose lifecycle rules are read from the synthesized template,
 * aged day by day. Storage is modelled at the object level in CockroachDB's layout
 * (lifecycle-bucket.ts, backup-layout.ts), not by running the double's SQL server for 8760
 * backups; whether a point restores is decided as the double's RESTORE decides it: readChain
 * (the chain's manifests in storage), layersAt (RESTORE's time check, revision history
 * included) and every data file of the needed layers readable, as the restore job reads them.
 */

const HOUR_MS = 3600 * 1000;
const DAY_MS = 24 * HOUR_MS;
const START = Date.UTC(2026, 0, 1);
const DAYS = 365;
const COLLECTION = 'prod/c1';
const DATABASES = [SYSTEM_DATABASE, ...DEFAULT_DATABASES.map(databaseRecord)];

interface Profile {
  readonly name: string;
  readonly retentionDays: number;
  readonly props: Partial<CockroachBackupProps>;
  readonly maxIncrementals: number;
  /** Whether the full schedule fires at this hour (UTC). */
  readonly fullDue: (time: Date) => boolean;
  /** An incremental job of this hour fails, leaving a partial layer. */
  readonly incrementalFails: (hour: number) => boolean;
  /** A full backup job of this hour fails, leaving a partial layer. */
  readonly fullFails: (hour: number) => boolean;
  /** The cluster was restored before this hour's run: a new cluster id, the next incremental fails, a full cures it. */
  readonly restoredAt: readonly number[];
}

const PROFILES: readonly Profile[] = [
  {
    name: 'hourly incrementals, daily fulls (the default schedules), 35 days',
    retentionDays: 35,
    props: { retention: Duration.days(35) },
    maxIncrementals: 48,
    fullDue: (time) => time.getUTCHours() === 0,
    incrementalFails: () => false,
    fullFails: () => false,
    restoredAt: [],
  },
  {
    name: 'weekly fulls, maxIncrementals 24 forcing early fulls, a restored cluster, failed jobs, Standard-IA after 30 days, 35 days',
    retentionDays: 35,
    props: {
      retention: Duration.days(35),
      maxIncrementals: 24,
      fullSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '0', weekDay: 'SUN' }),
      retentionTransitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }],
    },
    maxIncrementals: 24,
    fullDue: (time) => time.getUTCDay() === 0 && time.getUTCHours() === 0,
    incrementalFails: (hour) => hour % 37 === 5,
    // Sunday 2026-07-19 00:00 (day 199): the weekly full fails, the chain runs on until maxIncrementals.
    fullFails: (hour) => hour === 199 * 24,
    restoredAt: [100 * 24 + 7, 250 * 24 + 13],
  },
];

interface Chain {
  readonly subdir: string;
  layers: number;
  lastEnd: Date;
}

/** A full backup's subdirectory name back to its end time (to the hundredth). */
function subdirEnd(subdir: string): number {
  const m = /(\d{4})\/(\d{2})\/(\d{2})-(\d{2})(\d{2})(\d{2})\.(\d{2})$/.exec(subdir);
  if (m === null || !FULL_SUBDIR.test(subdir)) throw new Error(`not a full backup subdirectory: ${subdir}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7] * 10);
}

/** Whether RESTORE ... AS OF SYSTEM TIME t succeeds from some chain in storage, decided as the double decides it. */
/** A full backup in storage: its subdirectory and end time. */
interface StoredFull {
  readonly subdir: string;
  readonly end: number;
}

async function restores(collection: SimulatedCollection, fulls: readonly StoredFull[], t: number): Promise<boolean> {
  // The chains that can cover t: full backups ending before it, or within a revision-history full's GC window after it.
  const candidates = fulls
    .filter((full) => full.end <= t + GC_TTL_MS)
    .slice(-3)
    .reverse();
  for (const { subdir } of candidates) {
    let layers;
    try {
      layers = layersAt(await readChain(collection, subdir), hlcFromDate(new Date(t)));
    } catch {
      continue;
    }
    if (layers.every((layer) => layerFiles(layer.manifest).every((file) => collection.readable(layerPath(layer, file.path))))) return true;
  }
  return false;
}

/** The template's lifecycle rules, as CloudFormation would get them. */
function templateRules(props: Partial<CockroachBackupProps>): CfnLifecycleRule[] {
  const buckets = Object.values(synthBackup(props, COLLECTION).template.findResources('AWS::S3::Bucket'));
  return buckets[0].Properties.LifecycleConfiguration.Rules as CfnLifecycleRule[];
}

interface Findings {
  readonly expirationDays: number;
  readonly noncurrentDays: number;
  pointsChecked: number;
  readonly unrestorable: string[];
  /** Sampled days on which a point one hour before the window restored, and on which it did not. */
  justOutside: { restored: number; notRestored: number };
  /** Age in days of the oldest restorable point on each sampled day with a full window. */
  readonly oldestRestorableDays: number[];
  readonly usage: { day: number; versions: number; bytes: number; layers: number; oldestAgeDays: number; iaBytes: number }[];
  maxBytesWrittenPerDay: number;
  readonly siblingSurvived: boolean[];
}

/** Rules as synthesized, or changed by a control experiment. */
type RuleEdit = (rules: CfnLifecycleRule[]) => CfnLifecycleRule[];

async function simulateYear(profile: Profile, days = DAYS, edit: RuleEdit = (rules) => rules, sampleEveryDays = 11): Promise<Findings> {
  const rules = edit(templateRules(profile.props));
  const expirationDays = rules.find((r) => r.Id === 'ExpireBackupChains')?.ExpirationInDays;
  const noncurrentDays = rules.find((r) => r.NoncurrentVersionExpiration !== undefined && r.Prefix === undefined)?.NoncurrentVersionExpiration?.NoncurrentDays;
  if (expirationDays === undefined || noncurrentDays === undefined) throw new Error('the template has no retention rules');
  const bucket = new LifecycleBucket(rules);
  const collection = new SimulatedCollection(bucket, COLLECTION);
  // A sibling collection whose name extends ours: the rule's prefix must not reach it.
  bucket.put('prod/c10/2026/01/01-000000.00/BACKUP_MANIFEST', 100, new Date(START), '{}');

  const findings: Findings = {
    expirationDays,
    noncurrentDays,
    pointsChecked: 0,
    unrestorable: [],
    justOutside: { restored: 0, notRestored: 0 },
    oldestRestorableDays: [],
    usage: [],
    maxBytesWrittenPerDay: 0,
    siblingSurvived: [],
  };
  let chain: Chain | undefined;
  let clusterId = 'cluster-a';
  let firstFullEnd: number | undefined;
  let newestEnd = 0;
  let writtenToday = 0;
  const retentionMs = profile.retentionDays * DAY_MS;

  const backUp = (kind: 'full' | 'incremental', time: number, fails: boolean): void => {
    const end = new Date(time - 10_000);
    const at = new Date(time + 2 * 60_000);
    const startTime = kind === 'full' || chain === undefined ? null : chain.lastEnd.toISOString();
    // AS OF SYSTEM TIME '-10s': an HLC time with logical part 0 (here on a whole millisecond).
    const startHlc = kind === 'full' || chain === undefined ? null : hlcDecimal(hlcFromDate(chain.lastEnd));
    const layer = buildLayer({ clusterId, kind, startTime, endTime: end.toISOString(), startHlc, endHlc: hlcDecimal(hlcFromDate(end)), revisionHistory: true }, DATABASES);
    const directory = kind === 'full' || chain === undefined ? fullSubdir(end) : incrementalDir(chain.subdir, end);
    writtenToday += [...layer.files.values()].reduce((sum, f) => sum + f.length, 0) + 2048;
    if (fails) {
      collection.writePartialLayer(directory, layer, at);
      writtenToday += 8 * 1024 * 1024;
      return;
    }
    collection.writeLayer(directory, layer, at);
    if (kind === 'full') {
      collection.writeLatest(directory, at);
      chain = { subdir: directory, layers: 1, lastEnd: end };
      firstFullEnd ??= end.getTime();
    } else if (chain !== undefined) {
      chain.layers += 1;
      chain.lastEnd = end;
    }
    newestEnd = end.getTime();
  };

  for (let hour = 0; hour < days * 24; hour++) {
    const time = START + hour * HOUR_MS;
    if (hour % 24 === 0) {
      bucket.runLifecycle(new Date(time));
      findings.maxBytesWrittenPerDay = Math.max(findings.maxBytesWrittenPerDay, writtenToday);
      writtenToday = 0;
    }
    if (profile.restoredAt.includes(hour)) {
      // The restored cluster's incremental fails at destination resolution ("previous BACKUP belongs to cluster"), writing
      // nothing; autoRebaseline takes a full backup in the same run, a minute later.
      clusterId = `cluster-restored-${hour}`;
      backUp('full', time + 60_000, false);
      continue;
    }
    const due = profile.fullDue(new Date(time)) || chain === undefined || chain.layers - 1 >= profile.maxIncrementals;
    backUp(due ? 'full' : 'incremental', time, due ? profile.fullFails(hour) : profile.incrementalFails(hour));

    // Sampled days walk through the weekdays (every 11th day by default) and the check through the hours of the day.
    const day = Math.floor(hour / 24);
    if (hour % 24 === (day * 7) % 24 && (day % sampleEveryDays === 4 % sampleEveryDays || day === days - 1)) {
      const now = time + 30 * 60_000;
      await checkDay(profile, collection, findings, { day, now, retentionMs, firstFullEnd: firstFullEnd ?? now, newestEnd });
    }
  }
  return findings;
}

interface DayState {
  readonly day: number;
  readonly now: number;
  readonly retentionMs: number;
  readonly firstFullEnd: number;
  readonly newestEnd: number;
}

async function checkDay(profile: Profile, collection: SimulatedCollection, findings: Findings, state: DayState): Promise<void> {
  const fulls = collection.fullBackups().map((subdir) => ({ subdir, end: subdirEnd(subdir) }));
  const windowStart = Math.max(state.now - state.retentionMs, state.firstFullEnd);
  // Every 4 hours and 43 minutes across the window (so the samples walk through every hour of the day), and both ends.
  const points = [windowStart, state.newestEnd];
  for (let t = windowStart; t < state.newestEnd; t += 4 * HOUR_MS + 43 * 60_000) points.push(t);
  for (const t of points) {
    findings.pointsChecked += 1;
    if (!(await restores(collection, fulls, t))) findings.unrestorable.push(`${profile.name}: day ${state.day}, ${new Date(t).toISOString()}`);
  }
  const windowFull = state.now - state.retentionMs > state.firstFullEnd;
  if (windowFull) {
    if (await restores(collection, fulls, state.now - state.retentionMs - HOUR_MS)) findings.justOutside.restored += 1;
    else findings.justOutside.notRestored += 1;
    for (const { end } of fulls) {
      if (await restores(collection, fulls, end)) {
        findings.oldestRestorableDays.push((state.now - end) / DAY_MS);
        break;
      }
    }
  }
  const usage = collection.bucket.usage(`${COLLECTION}/`, new Date(state.now));
  const layers = collection.bucket.list(`${COLLECTION}/`).filter((key) => key.endsWith('/BACKUP_MANIFEST')).length;
  findings.usage.push({ day: state.day, versions: usage.versions, bytes: usage.bytes, layers, oldestAgeDays: usage.oldestAgeDays, iaBytes: usage.bytesByClass.STANDARD_IA ?? 0 });
  findings.siblingSurvived.push(collection.bucket.current('prod/c10/2026/01/01-000000.00/BACKUP_MANIFEST') !== undefined);
}

describe.each(PROFILES)('a year of backups: $name', (profile) => {
  let findings: Findings;
  beforeAll(async () => {
    findings = await simulateYear(profile);
    const late = findings.usage.filter((u) => u.day > 200);
    // Figures for the docs, not assertions.
    console.log(
      `${profile.name}: expiry ${findings.expirationDays} d, noncurrent ${findings.noncurrentDays} d; ${findings.pointsChecked} points checked, ` +
        `${findings.unrestorable.length} unrestorable; oldest restorable point ${Math.min(...findings.oldestRestorableDays).toFixed(2)}-` +
        `${Math.max(...findings.oldestRestorableDays).toFixed(2)} days old; one hour outside the window restored on ${findings.justOutside.restored} ` +
        `of ${findings.justOutside.restored + findings.justOutside.notRestored} days; after day 200 at most ${Math.max(...late.map((u) => u.layers))} layers, ` +
        `${Math.max(...late.map((u) => u.versions))} versions, ${(Math.max(...late.map((u) => u.bytes)) / 1e6).toFixed(1)} MB, oldest version ` +
        `${Math.max(...late.map((u) => u.oldestAgeDays)).toFixed(1)} days`,
    );
  });

  test('every sampled point inside the window restores', () => {
    expect(findings.pointsChecked).toBeGreaterThan(5000);
    expect(findings.unrestorable).toEqual([]);
  });

  test('the window holds and nothing much older is restorable: the oldest restorable point is between retention and the expiry (+1 day of S3 rounding) old', () => {
    expect(findings.oldestRestorableDays.length).toBeGreaterThan(25);
    expect(Math.min(...findings.oldestRestorableDays)).toBeGreaterThanOrEqual(profile.retentionDays);
    expect(Math.max(...findings.oldestRestorableDays)).toBeLessThanOrEqual(findings.expirationDays + 1);
  });

  test('a point one hour outside the window still restores (the rule keeps one chain span and a margin beyond it)', () => {
    expect(findings.justOutside).toEqual({ restored: findings.oldestRestorableDays.length, notRestored: 0 });
  });

  test('storage stops growing: versions are at most expiry + 1 + noncurrent days old, layers and bytes bounded and flat in the second half', () => {
    const bound = findings.expirationDays + 1 + findings.noncurrentDays;
    expect(Math.max(...findings.usage.map((u) => u.oldestAgeDays))).toBeLessThanOrEqual(bound);
    for (const u of findings.usage) {
      expect(u.layers).toBeLessThanOrEqual((findings.expirationDays + 1) * 26);
      expect(u.bytes).toBeLessThanOrEqual((bound + 1) * findings.maxBytesWrittenPerDay);
    }
    const middle = Math.max(...findings.usage.filter((u) => u.day >= 100 && u.day < 200).map((u) => u.bytes));
    const end = Math.max(...findings.usage.filter((u) => u.day >= 300).map((u) => u.bytes));
    expect(end).toBeLessThanOrEqual(middle * 1.15);
  });

  test('objects older than a Standard-IA transition are stored there, and the restores above read them', () => {
    const iaAtEnd = findings.usage[findings.usage.length - 1].iaBytes;
    expect(iaAtEnd > 0).toBe(profile.props.retentionTransitions !== undefined);
  });

  test("the rule's prefix ends in a slash: the sibling collection prod/c10 is never touched", () => {
    expect(findings.siblingSurvived.every(Boolean)).toBe(true);
  });
});

test('the control: a plain age rule at the retention (what the README used to suggest) loses points inside the window once chains span more than a day', async () => {
  // Weekly fulls with up to 48 hourly incrementals: chains of two days.
  const profile: Profile = { ...PROFILES[1], maxIncrementals: 48, props: { ...PROFILES[1].props, maxIncrementals: 48 } };
  const ageRule: RuleEdit = (rules) => rules.map((rule) => (rule.Id === 'ExpireBackupChains' ? { ...rule, ExpirationInDays: profile.retentionDays } : rule));
  const findings = await simulateYear(profile, 50, ageRule, 1);
  expect(findings.unrestorable.length).toBeGreaterThan(0);
});
