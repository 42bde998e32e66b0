import { DatabaseRecord } from '../schema';
import { fileChecksum } from '../storage/backup-manifest';
import { CollectionStore } from '../storage/collection-store';
import { S3Location } from '../storage/storage-uri';
import { JobWork } from './job-engine';

/** A data file a restore reads, relative to the collection, with the checksum its manifest recorded. */
export interface FileToRead {
  readonly relative: string;
  readonly checksum: string;
}

export interface RestorePlan {
  readonly location: S3Location;
  /** Every data file of every layer the restore needs (none for schema_only without verify_backup_table_data). */
  readonly files: readonly FileToRead[];
  /** What the job creates once every file was read. */
  readonly databases: readonly DatabaseRecord[];
  /** A full cluster restore drops the empty defaultdb and postgres first (dropDefaultUserDBs). */
  readonly replacesDefaultDatabases: boolean;
  readonly totals: { readonly rows: number; readonly sizeBytes: number };
}

/** What the job changes in the cluster. */
export interface RestoreTarget {
  create(databases: readonly DatabaseRecord[], replacesDefaultDatabases: boolean): void;
  /** The job ended or was discarded: its names are free again. */
  release(): void;
}

export interface RestoreJobWork extends JobWork {
  readonly totals: () => { readonly rows: number; readonly sizeBytes: number };
}

/**
 * Why a restore job fails on a file it cannot use. The innermost texts are storage's and
 * Pebble's: an S3 object that does not exist reads as "s3 object does not exist: NoSuchKey:
 * ..." (pkg/cloud/amazon/s3_storage.go); a file whose bytes do not match is an invalid
 * table to Pebble. The wrapping ("running restore workers: opening SSTs: ...",
 * "processing restore span entry: ...", pkg/backup/restore_data_processor.go) is read from
 * the processor; that nothing else wraps them in the job's error, and Pebble's exact
 * wording, are *unconfirmed*.
 */
export const RESTORE_FILE_ERRORS = {
  missing: 'running restore workers: opening SSTs: s3 object does not exist: NoSuchKey: The specified key does not exist.',
  corrupt: (size: number): string => `running restore workers: processing restore span entry: pebble/table: invalid table (checksum mismatch at 0/${size})`,
} as const;

/**
 * A RESTORE job's work (pkg/backup/restore_job.go). The planning already resolved the
 * chain and the targets; the job reads every data file it needs with the URI's key and
 * checks it (verify_backup_table_data discards the rows; a real restore ingests them),
 * then publishes the databases. A job that fails or is canceled leaves nothing behind:
 * restoreResumer.OnFailOrCancel (pkg/backup/restore_job.go) drops the offline descriptors
 * it created (dropDescriptors); the double creates them only at the end.
 */
export function restoreWork(plan: RestorePlan, target: RestoreTarget): RestoreJobWork {
  const store = new CollectionStore(plan.location);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    target.release();
  };
  return {
    resolve: () => Promise.resolve(),
    async complete(): Promise<void> {
      for (const file of plan.files) {
        const contents = await store.readBytes(file.relative);
        if (contents === undefined) throw new Error(RESTORE_FILE_ERRORS.missing);
        if (fileChecksum(contents) !== file.checksum) throw new Error(RESTORE_FILE_ERRORS.corrupt(contents.length));
      }
      target.create(plan.databases, plan.replacesDefaultDatabases);
    },
    dispose(): void {
      store.close();
      release();
    },
    totals: () => plan.totals,
  };
}
