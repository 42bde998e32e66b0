import { Cluster } from '../cluster';
import { Job } from '../jobs/job';
import { Column, TypeOid } from '../wire/backend-messages';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, Value, rowsResult } from './values';

/**
 * What BACKUP and RESTORE return (pkg/jobs/resultcols.go): with DETACHED only the job id
 * (DetachedJobExecutionResultHeader); without, once the job ended, BulkJobExecutionResultHeader:
 * job_id, status, fraction_completed, rows, index_entries, bytes up to 24.3, without
 * index_entries and bytes from 25.1 (VersionFacts.blockingBackupWithSizes).
 */
const DETACHED_COLUMNS: readonly Column[] = [{ name: 'job_id', type: TypeOid.INT8 }];

const BLOCKING_COLUMNS: readonly Column[] = [
  { name: 'job_id', type: TypeOid.INT8 },
  { name: 'status', type: TypeOid.TEXT },
  { name: 'fraction_completed', type: TypeOid.FLOAT8 },
  { name: 'rows', type: TypeOid.INT8 },
  { name: 'index_entries', type: TypeOid.INT8 },
  { name: 'bytes', type: TypeOid.INT8 },
];
const BLOCKING_COLUMNS_WITHOUT_SIZES = BLOCKING_COLUMNS.slice(0, 4);

export type JobTag = 'BACKUP' | 'RESTORE';

export function detachedResult(job: Job, tag: JobTag): ResultSet {
  return rowsResult(DETACHED_COLUMNS, [[job.id]], tag);
}

/** Waits for the job; a job that did not succeed is the statement's error. */
export async function blockingResult(job: Job, totals: () => { readonly rows: number; readonly sizeBytes: number }, cluster: Cluster, tag: JobTag): Promise<ResultSet> {
  await cluster.jobs.untilFinished(job);
  if (job.status !== 'succeeded') {
    throw new SqlError(SqlState.uncategorized, job.error === '' ? `job ${job.id} ${job.status}` : job.error);
  }
  const size = totals();
  const values: Value[] = [job.id, job.status, job.fractionCompleted, BigInt(size.rows), 0n, BigInt(size.sizeBytes)];
  const columns = cluster.facts.blockingBackupWithSizes ? BLOCKING_COLUMNS : BLOCKING_COLUMNS_WITHOUT_SIZES;
  return rowsResult(columns, [values.slice(0, columns.length)], tag);
}
