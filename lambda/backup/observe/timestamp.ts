/**
 * A SQL timestamp as the session hands it over: TIMESTAMPTZ arrives as a Date (pg's
 * parser), TIMESTAMP (without zone) as text, kept so by session.ts and read here as
 * UTC, which is what CockroachDB stores. SHOW JOB(S) returns TIMESTAMP up to 23.1 and
 * TIMESTAMPTZ from 23.2; SHOW BACKUP returns TIMESTAMP on every version.
 */
export function parseSqlTimestamp(value: Date | string): Date {
  return value instanceof Date ? value : new Date(/[zZ]|[+-]\d\d(:?\d\d)?$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}
