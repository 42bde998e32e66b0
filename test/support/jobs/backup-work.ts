import { BackupStatement, backupDescription } from '../sql/backup-statement';
import { backupIndexFile, fullSubdir, incrementalDir } from '../storage/backup-layout';
import { DatabaseRecord } from '../schema';
import { BackupManifest, LayerContents, LayerHeader, buildLayer, layerTotals } from '../storage/backup-manifest';
import { CollectionStore, StorageError } from '../storage/collection-store';
import { S3Location, appendPath } from '../storage/storage-uri';
import { formatHlc, goTimeString } from '../time-format';
import { Hlc, hlcDecimal } from '../hlc';
import { Job } from './job';
import { JobWork } from './job-engine';

/**
 * Whether a job's description switches to the resolved `BACKUP INTO '<subdir>' IN ...`
 * form once its destination is known. *Unconfirmed* by version (see
 * docs/cockroachdb-behaviour.md section 2); this is the single switch.
 */
export const SHOW_RESOLVED_SUBDIR = true;

export const NO_LATEST_BACKUP =
  'path does not contain a completed latest backup: LATEST file could not be read in base or metadata directory: ' +
  's3 object does not exist: NoSuchKey: The specified key does not exist.';

/** gc.ttlseconds from 23.1 (4 h): the GC threshold the double reports when asked to. */
export const GC_TTL_MS = 4 * 3600 * 1000;

export interface BackupContext {
  readonly clusterId: () => string;
  readonly gcThresholdExceeded: () => boolean;
  /** The cluster's clock (simulated in time-travelling tests): the GC threshold is counted from it. */
  readonly now: () => Date;
  /** The databases a cluster backup covers at this moment, `system` included. */
  readonly databases: () => readonly DatabaseRecord[];
}

/** A BACKUP job's work, and what it wrote (a blocking BACKUP reports rows and bytes). */
export interface BackupJobWork extends JobWork {
  readonly totals: () => { readonly rows: number; readonly sizeBytes: number };
}

export interface BackupPlan {
  readonly statement: BackupStatement;
  /** The collection as the description shows it (sanitized URI or external://name). */
  readonly collectionLabel: string;
  readonly location: S3Location;
  readonly endTime: Date;
  /** The exact end (hlc.ts): what the manifest records and RESTORE compares with. */
  readonly endHlc: Hlc;
  /** 25.2+: incremental directories carry their start time (VersionFacts.incrementalDirStartSuffix). */
  readonly incrementalStartSuffix: boolean;
  /** 25.4+: each backup also writes its index file (VersionFacts.backupIndex). */
  readonly backupIndex: boolean;
  /**
   * For a destination `external://<name>`: whether the connection was dropped after the
   * statement resolved it. The job resolves the name again each time it opens storage
   * (pkg/cloud/externalconn, the external:// provider reads the connection's record), so a
   * DROP while it runs can fail it even when a CREATE follows; the double fails it always,
   * the worst case of that race.
   */
  readonly connectionDropped?: () => boolean;
}

/**
 * A BACKUP job's work, as pkg/backup/backup_job.go does it since 22.1: the destination
 * is resolved inside the job (ResolveDest in Resume), so every problem with the
 * collection surfaces as the job's error, not the statement's.
 */
export function backupWork(plan: BackupPlan, context: BackupContext): BackupJobWork {
  const store = new CollectionStore(plan.location);
  let directory = '';
  let chainSubdir = '';
  let layer: LayerContents | undefined;
  // The schema is read when the destination resolves: what the backup's end time saw.
  const newLayer = (header: Pick<LayerHeader, 'kind' | 'startTime' | 'startHlc'>): LayerContents =>
    buildLayer(
      { ...header, clusterId: context.clusterId(), endTime: plan.endTime.toISOString(), endHlc: hlcDecimal(plan.endHlc), revisionHistory: plan.statement.revisionHistory === true },
      // As of the backup's end: a database created after it (AS OF SYSTEM TIME in the past) is not in it.
      context.databases().filter((database) => database.createdAt === undefined || Date.parse(database.createdAt) <= plan.endTime.getTime()),
    );

  // backupinfo.CheckForPreviousBackup: a directory with a manifest or a checkpoint is
  // taken; any other storage error (a wrong key) is wrapped as "unexpected".
  const checkFree = async (dir: string): Promise<void> => {
    const label = appendPath(plan.collectionLabel, dir);
    const unexpected = (file: string) => (error: unknown): never => {
      if (!(error instanceof StorageError)) throw error;
      throw new Error(`${label} returned an unexpected error when checking for the existence of ${file} file: ${error.message}`);
    };
    if ((await store.readManifest(dir).catch(unexpected('BACKUP_MANIFEST'))) !== undefined) {
      throw new Error(`${label} already contains a BACKUP_MANIFEST file`);
    }
    if (await store.hasCheckpoint(dir).catch(unexpected('BACKUP-CHECKPOINT'))) {
      throw new Error(`${label} already contains a BACKUP-CHECKPOINT file (is another operation already in progress?)`);
    }
  };

  const resolveFull = async (): Promise<void> => {
    chainSubdir = fullSubdir(plan.endTime);
    directory = chainSubdir;
    await checkFree(directory);
    layer = newLayer({ kind: 'full', startTime: null, startHlc: null });
  };

  const resolveIncremental = async (): Promise<void> => {
    // backupdest.ReadLatestFile and FindLatestFile: pgcode.UndefinedFile wrapped around the
    // S3 storage's not-found error (pkg/cloud/amazon/s3_storage.go, "s3 object does not exist").
    const latest = await store.readLatest();
    const full = latest === undefined ? undefined : await store.readManifest(latest);
    if (latest === undefined || full === undefined) {
      throw new Error(NO_LATEST_BACKUP);
    }
    chainSubdir = latest;
    // The chain's layers, oldest first; the new layer starts where the last one ended.
    const layers: BackupManifest[] = [full];
    for (const dir of await store.incrementals(latest)) {
      const layer = await store.readManifest(dir);
      if (layer !== undefined) layers.push(layer);
    }
    const previous = layers[layers.length - 1];
    const previousEnd = new Date(previous.endTime);
    // pkg/backup/backup_planning.go (getBackupDetailAndManifest), in this order: the new
    // end time must not precede the previous one, then every layer must come from this
    // cluster (a restored cluster has a new cluster ID).
    if (previousEnd.getTime() > plan.endTime.getTime()) {
      throw new Error(`\`AS OF SYSTEM TIME\` ${goTimeString(plan.endTime)} must be greater than the previous backup's end time of ${goTimeString(previousEnd)}.`);
    }
    const foreign = layers.find((layer) => layer.clusterId !== context.clusterId());
    if (foreign !== undefined) {
      throw new Error(`previous BACKUP belongs to cluster ${foreign.clusterId}`);
    }
    if (context.gcThresholdExceeded()) {
      // pkg/kv/kvserver/batcheval/cmd_export.go (`if !args.StartTime.IsEmpty()`): every
      // export with a start time, with or without revision_history, needs the MVCC
      // history since the previous end time, which the GC already removed.
      throw new Error(`start timestamp ${formatHlc(previousEnd)} must be after replica GC threshold ${formatHlc(new Date(context.now().getTime() - GC_TTL_MS))}`);
    }
    directory = incrementalDir(latest, plan.endTime, plan.incrementalStartSuffix ? previousEnd : undefined);
    await checkFree(directory);
    layer = newLayer({ kind: 'incremental', startTime: previous.endTime, startHlc: previous.endHlc });
  };

  return {
    async resolve(job: Job): Promise<void> {
      await (plan.statement.kind === 'full' ? resolveFull() : resolveIncremental());
      if (SHOW_RESOLVED_SUBDIR) job.description = backupDescription(plan.statement, plan.collectionLabel, chainSubdir);
      await store.writeCheckpoint(directory, job.id.toString());
    },
    async complete(): Promise<void> {
      if (layer === undefined) throw new Error('backup destination was never resolved');
      if (plan.connectionDropped?.() === true) throw new Error(`external connection with name ${plan.collectionLabel.replace(/^external:\/\//, '')} does not exist`);
      await store.writeBackup(directory, layer);
      if (plan.backupIndex) {
        const start = layer.manifest.startTime === null ? undefined : new Date(layer.manifest.startTime);
        await store.write(backupIndexFile(chainSubdir, start, plan.endTime), JSON.stringify({ path: directory, startHlc: layer.manifest.startHlc, endHlc: layer.manifest.endHlc }));
      }
      if (plan.statement.kind === 'full') await store.writeLatest(chainSubdir, plan.endTime);
    },
    dispose(): void {
      store.close();
    },
    totals: () => (layer === undefined ? { rows: 0, sizeBytes: 0 } : layerTotals(layer.manifest)),
  };
}
