/**
 * The CockroachDB releases the double follows, oldest first, and what differs between
 * them for the statements this project sends (docs/cockroachdb-behaviour.md). Every
 * version-dependent behaviour of the double reads its fact here, so a fact found wrong
 * is one line to change.
 */
export const SUPPORTED_VERSIONS = [
  '23.1',
  '23.2',
  '24.1',
  '24.3',
  '25.1',
  '25.2',
  '25.3',
  '25.4',
  '26.1',
  '26.2',
  '26.3',
] as const;

export type CockroachVersion = (typeof SUPPORTED_VERSIONS)[number];

/** Whether `version` is `since` or a later release. */
export function atLeast(version: CockroachVersion, since: CockroachVersion): boolean {
  return SUPPORTED_VERSIONS.indexOf(version) >= SUPPORTED_VERSIONS.indexOf(since);
}

export interface VersionFacts {
  /** Job timestamps: TIMESTAMP up to 23.1, TIMESTAMPTZ from 23.2 (section 2). */
  readonly jobTimestampsWithZone: boolean;
  /**
   * SHOW BACKUP's start_time and end_time: TIMESTAMP up to 23.1, TIMESTAMPTZ from 23.2
   * (cockroachdb/cockroach#108290, "make SHOW BACKUP timestamps timestampTZ", merged 2023-08;
   * pkg/backup/show.go, backupShowerHeaders).
   */
  readonly showBackupTimestampsWithZone: boolean;
  /**
   * Plain SHOW JOBS from 24.1 drops statement, trace_id, last_run, next_run, num_runs and
   * execution_errors, shortens long descriptions and truncates timestamps to seconds
   * (pkg/sql/delegate/show_jobs.go). The 12-hour window applies on every version.
   */
  readonly reducedPlainShowJobs: boolean;
  /**
   * SHOW JOB(S) truncates created, started, finished and modified to whole seconds, also when
   * job ids are given, from 24.1 (cockroachdb/cockroach#121272; pkg/sql/delegate/show_jobs.go,
   * constructSelectQuery: `date_trunc('second', ...)` outside the `n.Jobs == nil` branch), and
   * with ids returns only `trace_id, execution_errors` of the old extra columns: last_run,
   * next_run and num_runs are gone from SHOW JOB(S) with ids too.
   */
  readonly jobTimesInWholeSeconds: boolean;
  /** SHOW JOB(S) has no `started` column from 25.3 (docs/cockroachdb-behaviour.md section 2). */
  readonly showJobsStartedColumn: boolean;
  /** Blocking BACKUP's result drops index_entries and bytes from 25.1 (pkg/jobs/resultcols.go). */
  readonly blockingBackupWithSizes: boolean;
  /** CANCEL/PAUSE/RESUME JOB by the job's owner without CONTROLJOB, from 25.1 (pkg/jobs/jobsauth). */
  readonly ownersControlTheirJobs: boolean;
  /**
   * The session variable allow_unsafe_internals and its default: absent before 25.4,
   * 'on' in 25.4, 'off' from 26.1 (pkg/sql/unsafesql/unsafesql.go).
   */
  readonly allowUnsafeInternalsDefault: 'on' | 'off' | undefined;
  /**
   * Incremental directories carry the layer's start time from 25.2
   * (`<hhmmss.ff>-<start yyyymmdd-hhmmss.ff>`; docs/cockroachdb-behaviour.md section 3).
   */
  readonly incrementalDirStartSuffix: boolean;
  /**
   * A backup index under `metadata/index/` next to each backup: written once the cluster
   * version is 25.4 (pkg/backup/backupdest/backup_index.go, shouldWriteIndex, gated on
   * clusterversion.V25_4; docs/cockroachdb-behaviour.md section 3 says 26.1, the source 25.4).
   */
  readonly backupIndex: boolean;
  /**
   * The session variable use_backups_with_ids exists from 26.2 (preview, off by default;
   * pkg/sql/vars.go): on, SHOW BACKUP FROM LATEST shows the newest backup alone and SHOW BACKUPS
   * lists ids. Before 26.2, SET fails with 42704.
   */
  readonly useBackupsWithIds: boolean;
  /** ALTER EXTERNAL CONNECTION <name> AS '<uri>' exists from 25.4 (docs v25.4 alter-external-connection.md). */
  readonly alterExternalConnection: boolean;
}

export function versionFacts(version: CockroachVersion): VersionFacts {
  return {
    jobTimestampsWithZone: atLeast(version, '23.2'),
    showBackupTimestampsWithZone: atLeast(version, '23.2'),
    reducedPlainShowJobs: atLeast(version, '24.1'),
    jobTimesInWholeSeconds: atLeast(version, '24.1'),
    showJobsStartedColumn: !atLeast(version, '25.3'),
    blockingBackupWithSizes: !atLeast(version, '25.1'),
    ownersControlTheirJobs: atLeast(version, '25.1'),
    allowUnsafeInternalsDefault: atLeast(version, '26.1') ? 'off' : atLeast(version, '25.4') ? 'on' : undefined,
    incrementalDirStartSuffix: atLeast(version, '25.2'),
    backupIndex: atLeast(version, '25.4'),
    useBackupsWithIds: atLeast(version, '26.2'),
    alterExternalConnection: atLeast(version, '25.4'),
  };
}
