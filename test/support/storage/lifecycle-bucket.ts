import { BackupManifest, LayerContents } from './backup-manifest';
import { CHECKPOINT, LATEST_DIRECTORY, MANIFEST, MANIFEST_CHECKSUM, STATISTICS, fullBackupsIn, incrementalsIn, latestFileName, objectKey } from './backup-layout';

/**
 * A versioned S3 bucket at the object level, in memory, whose lifecycle rules are the ones
 * of a synthesized template (AWS::S3::Bucket LifecycleConfiguration.Rules), applied once a
 * day as S3 does. It serves the retention simulation, which ages a year of backups in a
 * second; the S3 server (s3rver) the other tests use has no lifecycle. The S3 semantics
 * modelled (S3 User Guide, "Lifecycle configuration elements", "Expiring objects",
 * "Transitioning objects"):
 * - a rule's age counts from the version's creation (noncurrent: from when it became
 *   noncurrent) and its time is rounded up to the next midnight UTC; actions happen at that
 *   midnight (S3 may act later, never earlier: the model takes the earliest, which is the
 *   adversarial case for keeping a window and the billed case for the bound);
 * - Expiration (days) of a current version in a versioned bucket adds a delete marker: the
 *   version becomes noncurrent, its bytes stay; NoncurrentVersionExpiration deletes it
 *   permanently; ExpiredObjectDeleteMarker removes a delete marker that is the only version left;
 * - Transitions change the storage class of current versions; AbortIncompleteMultipartUpload
 *   drops uploads that never completed (their parts are billed until then);
 * - a rule's Prefix is a plain string prefix of the key (hence collections end in `/`).
 * Object Lock is not modelled here (test/support/aws/object-lock.ts models it for s3rver).
 */

/** One rule as CloudFormation writes it; any other field fails the simulation rather than being ignored. */
export interface CfnLifecycleRule {
  readonly Id?: string;
  readonly Status: string;
  readonly Prefix?: string;
  readonly ExpirationInDays?: number;
  readonly NoncurrentVersionExpiration?: { readonly NoncurrentDays: number };
  readonly ExpiredObjectDeleteMarker?: boolean;
  readonly AbortIncompleteMultipartUpload?: { readonly DaysAfterInitiation: number };
  readonly Transitions?: readonly { readonly StorageClass: string; readonly TransitionInDays: number }[];
}

const MODELLED = new Set(['Id', 'Status', 'Prefix', 'ExpirationInDays', 'NoncurrentVersionExpiration', 'ExpiredObjectDeleteMarker', 'AbortIncompleteMultipartUpload', 'Transitions']);
/** Classes a plain GetObject reads; GLACIER and DEEP_ARCHIVE answer InvalidObjectState until restored. */
const READABLE_CLASSES = new Set(['STANDARD', 'STANDARD_IA', 'GLACIER_IR', 'INTELLIGENT_TIERING', 'ONEZONE_IA']);
const DAY_MS = 24 * 3600 * 1000;

interface Version {
  readonly created: number;
  readonly size: number;
  readonly body?: string;
  readonly deleteMarker: boolean;
  storageClass: string;
  /** When it stopped being the current version. */
  noncurrentSince?: number;
}

interface Upload {
  readonly key: string;
  readonly initiated: number;
  readonly size: number;
}

/** The next midnight UTC at or after a time: when S3 acts on a rule's age. */
function roundUpToMidnight(time: number): number {
  return Math.ceil(time / DAY_MS) * DAY_MS;
}

export interface BucketUsage {
  /** Object versions stored, delete markers excluded. */
  readonly versions: number;
  /** Bytes billed: every version and every incomplete upload's parts. */
  readonly bytes: number;
  /** Age in days of the oldest version or upload stored, at `now`. */
  readonly oldestAgeDays: number;
  /** Bytes per storage class. */
  readonly bytesByClass: Readonly<Record<string, number>>;
}

export class LifecycleBucket {
  private readonly objects = new Map<string, Version[]>();
  private uploads: Upload[] = [];
  /** The keys with a current version, sorted; rebuilt after a change, for listings. */
  private listing?: string[];

  constructor(private readonly rules: readonly CfnLifecycleRule[]) {
    for (const rule of rules) {
      const unknown = Object.keys(rule).filter((field) => !MODELLED.has(field));
      if (unknown.length > 0) throw new Error(`lifecycle rule ${rule.Id}: ${unknown.join(', ')} not modelled`);
    }
  }

  put(key: string, size: number, at: Date, body?: string): void {
    const versions = this.objects.get(key) ?? [];
    const current = versions[versions.length - 1];
    if (current !== undefined && current.noncurrentSince === undefined) current.noncurrentSince = at.getTime();
    versions.push({ created: at.getTime(), size, body, deleteMarker: false, storageClass: 'STANDARD' });
    this.objects.set(key, versions);
    this.listing = undefined;
  }

  /** A DELETE without a version id: a delete marker becomes the current version. */
  delete(key: string, at: Date): void {
    const versions = this.objects.get(key);
    const current = versions?.[versions.length - 1];
    if (versions === undefined || current === undefined || current.deleteMarker) return;
    current.noncurrentSince = at.getTime();
    versions.push({ created: at.getTime(), size: 0, deleteMarker: true, storageClass: 'STANDARD' });
    this.listing = undefined;
  }

  /** A multipart upload that never completes (a backup that died while writing a large file). */
  startUpload(key: string, size: number, at: Date): void {
    this.uploads.push({ key, initiated: at.getTime(), size });
  }

  /** The current version, unless it is a delete marker. */
  current(key: string): { readonly body?: string; readonly size: number; readonly storageClass: string } | undefined {
    const versions = this.objects.get(key);
    const current = versions?.[versions.length - 1];
    return current === undefined || current.deleteMarker ? undefined : current;
  }

  /** Whether GetObject returns the current version now (it exists in a class read without a restore request). */
  readable(key: string): boolean {
    const current = this.current(key);
    return current !== undefined && READABLE_CLASSES.has(current.storageClass);
  }

  /** Keys with a current version under a prefix, sorted (ListObjectsV2 shows no delete markers). */
  list(prefix: string): string[] {
    this.listing ??= [...this.objects.keys()].filter((key) => this.current(key) !== undefined).sort();
    const keys = this.listing;
    let low = 0;
    let high = keys.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (keys[middle] < prefix) low = middle + 1;
      else high = middle;
    }
    const found: string[] = [];
    for (let i = low; i < keys.length && keys[i].startsWith(prefix); i++) found.push(keys[i]);
    return found;
  }

  /** Applies every enabled rule as S3 does at this midnight UTC. */
  runLifecycle(midnight: Date): void {
    const now = midnight.getTime();
    if (now % DAY_MS !== 0) throw new Error(`lifecycle runs at midnight UTC, not at ${midnight.toISOString()}`);
    this.listing = undefined;
    for (const rule of this.rules.filter((r) => r.Status === 'Enabled')) {
      const prefix = rule.Prefix ?? '';
      const abort = rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation;
      if (abort !== undefined) this.uploads = this.uploads.filter((u) => !(u.key.startsWith(prefix) && roundUpToMidnight(u.initiated + abort * DAY_MS) <= now));
      for (const [key, versions] of this.objects) {
        if (!key.startsWith(prefix)) continue;
        this.applyRule(rule, key, versions, now);
      }
    }
  }

  private applyRule(rule: CfnLifecycleRule, key: string, versions: Version[], now: number): void {
    const current = versions[versions.length - 1];
    for (const transition of rule.Transitions ?? []) {
      if (current !== undefined && !current.deleteMarker && roundUpToMidnight(current.created + transition.TransitionInDays * DAY_MS) <= now) {
        current.storageClass = transition.StorageClass;
      }
    }
    if (rule.ExpirationInDays !== undefined && current !== undefined && !current.deleteMarker && roundUpToMidnight(current.created + rule.ExpirationInDays * DAY_MS) <= now) {
      current.noncurrentSince = now;
      versions.push({ created: now, size: 0, deleteMarker: true, storageClass: 'STANDARD' });
    }
    const noncurrentDays = rule.NoncurrentVersionExpiration?.NoncurrentDays;
    if (noncurrentDays !== undefined) {
      const kept = versions.filter(
        (v, index) => index === versions.length - 1 || v.noncurrentSince === undefined || roundUpToMidnight(v.noncurrentSince + noncurrentDays * DAY_MS) > now,
      );
      versions.splice(0, versions.length, ...kept);
    }
    if (rule.ExpiredObjectDeleteMarker === true && versions.length === 1 && versions[0].deleteMarker) this.objects.delete(key);
  }

  /** What is stored (and billed) under a prefix at `now`. */
  usage(prefix: string, now: Date): BucketUsage {
    let versions = 0;
    let bytes = 0;
    let oldest = now.getTime();
    const bytesByClass: Record<string, number> = {};
    for (const [key, list] of this.objects) {
      if (!key.startsWith(prefix)) continue;
      for (const version of list) {
        if (version.deleteMarker) continue;
        versions += 1;
        bytes += version.size;
        bytesByClass[version.storageClass] = (bytesByClass[version.storageClass] ?? 0) + version.size;
        oldest = Math.min(oldest, version.created);
      }
    }
    for (const upload of this.uploads.filter((u) => u.key.startsWith(prefix))) {
      bytes += upload.size;
      oldest = Math.min(oldest, upload.initiated);
    }
    return { versions, bytes, oldestAgeDays: (now.getTime() - oldest) / DAY_MS, bytesByClass };
  }
}

/**
 * One collection of a LifecycleBucket, read and written in CockroachDB's layout
 * (backup-layout.ts) the way CollectionStore does it against S3: what readChain (SHOW BACKUP,
 * RESTORE) needs to read a chain, and the writes of a backup job.
 */
export class SimulatedCollection {
  /** Parsed manifests by stored version: a year's restore checks read the same manifests many times. */
  private readonly manifests = new WeakMap<object, BackupManifest>();

  constructor(
    readonly bucket: LifecycleBucket,
    readonly prefix: string,
  ) {}

  private key(relative: string): string {
    return objectKey(this.prefix, relative);
  }

  /** Keys under a relative directory, relative to the collection. */
  private list(relative: string): string[] {
    const directory = this.key(relative);
    const base = this.prefix === '' ? 0 : this.prefix.length + 1;
    return this.bucket.list(directory === '' ? '' : `${directory}/`).map((key) => key.slice(base));
  }

  async readLatest(): Promise<string | undefined> {
    const newest = this.list(LATEST_DIRECTORY).find((k) => k.startsWith(`${LATEST_DIRECTORY}/LATEST-`));
    return newest === undefined ? undefined : this.bucket.current(this.key(newest))?.body?.trim();
  }

  async readManifest(directory: string): Promise<BackupManifest | undefined> {
    const key = this.key(`${directory}/${MANIFEST}`);
    if (!this.bucket.readable(key)) return undefined;
    const version = this.bucket.current(key);
    if (version?.body === undefined) return undefined;
    let manifest = this.manifests.get(version);
    if (manifest === undefined) {
      manifest = JSON.parse(version.body) as BackupManifest;
      this.manifests.set(version, manifest);
    }
    return manifest;
  }

  async incrementals(fullSubdirPath: string): Promise<string[]> {
    return incrementalsIn(this.list(`incrementals${fullSubdirPath}`));
  }

  fullBackups(): string[] {
    return fullBackupsIn(this.list(''));
  }

  /** Whether a restore can read the file (GetObject answers with its bytes). */
  readable(relative: string): boolean {
    return this.bucket.readable(this.key(relative));
  }

  /** A completed layer, written in CollectionStore.writeBackup's order: checkpoint, data, statistics, checksum, manifest; then the checkpoint deleted. */
  writeLayer(directory: string, layer: LayerContents, at: Date): void {
    this.bucket.put(this.key(`${directory}/${CHECKPOINT}`), 64, at);
    for (const [path, contents] of layer.files) this.bucket.put(this.key(`${directory}/${path}`), contents.length, at);
    this.bucket.put(this.key(`${directory}/${STATISTICS}`), 256, at);
    this.bucket.put(this.key(`${directory}/${MANIFEST_CHECKSUM}`), 4, at);
    const body = JSON.stringify(layer.manifest);
    this.bucket.put(this.key(`${directory}/${MANIFEST}`), body.length, at, body);
    this.bucket.delete(this.key(`${directory}/${CHECKPOINT}`), at);
  }

  /** A job that failed while writing: its checkpoint and some data files, no manifest, and a multipart upload that never completed. */
  writePartialLayer(directory: string, layer: LayerContents, at: Date): void {
    this.bucket.put(this.key(`${directory}/${CHECKPOINT}`), 64, at);
    const [first] = layer.files;
    if (first !== undefined) this.bucket.put(this.key(`${directory}/${first[0]}`), first[1].length, at);
    this.bucket.startUpload(this.key(`${directory}/data/unfinished.sst`), 8 * 1024 * 1024, at);
  }

  writeLatest(subdir: string, at: Date): void {
    this.bucket.put(this.key(`${LATEST_DIRECTORY}/${latestFileName(at)}`), subdir.length, at, subdir);
  }
}
