/**
 * A SQL timestamp as the session hands it over: TIMESTAMPTZ arrives as a Date (pg's
 * parser), TIMESTAMP (without zone) as text, kept so by session.ts and read here as
 * UTC, which is what CockroachDB stores. SHOW JOB(S) returns TIMESTAMP up to 23.1 and
 * TIMESTAMPTZ from 23.2; SHOW BACKUP returns TIMESTAMP on every version.
 */
export function parseSqlTimestamp(value: Date | string): Date {
  return value instanceof Date ? value : new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/**
 * SHOW JOB(S) gives job times truncated to whole seconds from v24.1, also when job ids are
 * given (cockroachdb/cockroach#121272, pkg/sql/delegate/show_jobs.go: `date_trunc('second',
 * ...)`); before, to the microsecond. A job time `t` therefore stands for an instant in
 * [t, t + 1 s): comparisons with the Lambda's own clock must allow for the whole second.
 */
export const JOB_TIME_RESOLUTION_MS = 1000;

/**
 * The latest instant a job time from SHOW JOB(S) may stand for: a time on a whole second may
 * be truncated (v24.1+), one with a fraction is exact (before v24.1; the Lambda does not ask the
 * version, and an exact time on a whole second is only taken as the second it may stand for).
 */
export function latestJobInstant(time: Date): Date {
  return time.getTime() % JOB_TIME_RESOLUTION_MS === 0 ? new Date(time.getTime() + JOB_TIME_RESOLUTION_MS - 1) : time;
}
