import { Job } from '../support/jobs/job';
import { Cursor } from '../support/sql/cursor';
import { plainShowJobs } from '../support/sql/jobs-table';
import { evaluateAsOf } from '../support/sql/as-of';
import { formatHlc, goTimeString } from '../support/time-format';
import { Table, evaluateSelect, likeToRegExp } from '../support/sql/select';
import { Row, compareValues, formatTimestamp } from '../support/sql/values';
import { CockroachVersion, SUPPORTED_VERSIONS, atLeast, versionFacts } from '../support/versions';
import { fullSubdir, incrementalDir, latestFileName } from '../support/storage/backup-layout';
import { parseStorageUri, sanitizeStorageUri } from '../support/storage/storage-uri';
import { TypeOid } from '../support/wire/backend-messages';

describe('the double\'s pure parts', () => {
  test('compares INT8 values that are equal as doubles by their exact value', () => {
    const a = 600000000000000001n;
    const b = 600000000000000002n;
    expect(Number(a)).toBe(Number(b)); // what a Number() would see
    expect(compareValues(a, b)).toBe(-1);
    expect(compareValues(9n, 10n)).toBe(-1); // and not as text ("9" > "10")
  });

  test('evaluates WHERE on INT8 ids above 2^53 exactly', () => {
    const table: Table = {
      name: 't',
      columns: [{ name: 'job_id', type: TypeOid.INT8 }],
      rows: () => [{ job_id: 600000000000000001n }, { job_id: 600000000000000002n }],
    };
    const result = evaluateSelect(new Cursor('SELECT job_id FROM t WHERE job_id > $1', ['600000000000000001']), () => table);
    expect(result.rows).toEqual([[600000000000000002n]]);
  });

  test('LIKE treats % and _ as wildcards and a backslash as an escape', () => {
    expect(likeToRegExp('a%c').test('abbbc')).toBe(true);
    expect(likeToRegExp('a_c').test('abc')).toBe(true);
    expect(likeToRegExp('a\\_c').test('abc')).toBe(false);
    expect(likeToRegExp('a\\_c').test('a_c')).toBe(true);
    expect(likeToRegExp('a.c?').test('abc?')).toBe(false); // regex characters are literal
  });

  test('sanitizes a storage URI like SanitizeExternalStorageURI: secrets redacted, key id kept, parameters sorted', () => {
    const uri = 's3://bucket/path?AWS_SECRET_ACCESS_KEY=a%2Fb%2Bc&AWS_SESSION_TOKEN=tok&AWS_ACCESS_KEY_ID=AKIA1&AWS_REGION=eu-west-1';
    expect(sanitizeStorageUri(uri)).toBe('s3://bucket/path?AWS_ACCESS_KEY_ID=AKIA1&AWS_REGION=eu-west-1&AWS_SECRET_ACCESS_KEY=redacted&AWS_SESSION_TOKEN=redacted');
  });

  test('re-encodes parameter values the way Go\'s url.Values.Encode does', () => {
    expect(sanitizeStorageUri('s3://b/p?AWS_ENDPOINT=http://127.0.0.1:9000&AWS_ACCESS_KEY_ID=a b')).toBe(
      's3://b/p?AWS_ACCESS_KEY_ID=a+b&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000',
    );
  });

  test('decodes URL-encoded secret keys containing / and +', () => {
    const parsed = parseStorageUri('s3://b/p?AWS_ACCESS_KEY_ID=AKIA1&AWS_SECRET_ACCESS_KEY=a%2Fb%2Bc');
    expect(parsed.scheme === 's3' && parsed.location.secretAccessKey).toBe('a/b+c');
  });

  test('refuses AUTH=specified without a key id', () => {
    expect(() => parseStorageUri('s3://b/p?AWS_SECRET_ACCESS_KEY=x')).toThrow("AUTH is set to 'specified', but AWS_ACCESS_KEY_ID is not set");
  });

  test('names backup directories like CockroachDB (UTC, hundredths of a second)', () => {
    const time = new Date(Date.UTC(2023, 0, 16, 19, 43, 40, 57));
    expect(fullSubdir(time)).toBe('/2023/01/16-194340.05');
    expect(incrementalDir('/2023/01/16-194340.05', new Date(Date.UTC(2023, 0, 17, 1, 2, 3, 990)))).toBe('incrementals/2023/01/16-194340.05/20230117/010203.99');
  });

  test('names LATEST files so that the newest sorts first', () => {
    const older = latestFileName(new Date(1_700_000_000_000));
    const newer = latestFileName(new Date(1_700_000_000_001));
    expect([older, newer].sort()).toEqual([newer, older]);
  });

  test('evaluates AS OF SYSTEM TIME intervals, timestamps and refuses the future', () => {
    const now = new Date(Date.UTC(2024, 0, 1, 12, 0, 0));
    expect(evaluateAsOf('-10s', now).toISOString()).toBe('2024-01-01T11:59:50.000Z');
    expect(evaluateAsOf('-1m30s', now).toISOString()).toBe('2024-01-01T11:58:30.000Z');
    expect(evaluateAsOf('2024-01-01 10:00:00', now).toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(() => evaluateAsOf('2025-01-01 10:00:00', now)).toThrow('AS OF SYSTEM TIME: cannot specify timestamp in the future');
  });

  test('prints HLC timestamps and PostgreSQL text timestamps', () => {
    const time = new Date(Date.UTC(2024, 0, 1, 12, 0, 0, 250));
    expect(formatHlc(time)).toBe('1704110400.250000000,0');
    expect(goTimeString(time)).toBe('2024-01-01 12:00:00.25 +0000 UTC');
    expect(goTimeString(new Date(Date.UTC(2024, 0, 1)))).toBe('2024-01-01 00:00:00 +0000 UTC');
    expect(formatTimestamp(time, true)).toBe('2024-01-01 12:00:00.25+00');
    expect(formatTimestamp(time, false)).toBe('2024-01-01 12:00:00.25');
  });

  const job = (finished: Date | null, description = 'BACKUP INTO x'): Job => ({
    id: 600000000000000001n,
    type: 'BACKUP',
    description,
    statement: description,
    userName: 'root',
    status: finished === null ? 'running' : 'succeeded',
    runningStatus: null,
    created: new Date(0),
    started: new Date(0),
    finished,
    modified: new Date(0),
    fractionCompleted: finished === null ? 0 : 1,
    error: '',
    coordinatorId: 1,
    numRuns: 1,
    script: { outcome: 'succeeded' },
  });

  const plainRows = (version: CockroachVersion, jobs: readonly Job[], now: Date): readonly Row[] => plainShowJobs(versionFacts(version), jobs, now).rows();

  test.each(SUPPORTED_VERSIONS)('plain SHOW JOBS on %s hides jobs finished 12 hours ago or earlier and keeps unfinished ones', (version) => {
    const now = new Date(Date.UTC(2024, 0, 2, 12));
    const hoursAgo = (hours: number): Date => new Date(now.getTime() - hours * 3600 * 1000);
    expect(plainRows(version, [job(hoursAgo(13))], now)).toEqual([]);
    expect(plainRows(version, [job(hoursAgo(12))], now)).toEqual([]);
    expect(plainRows(version, [job(hoursAgo(11))], now)).toHaveLength(1);
    expect(plainRows(version, [job(null)], now)).toHaveLength(1);
  });

  test.each(SUPPORTED_VERSIONS.filter((v) => atLeast(v, '24.1')))('plain SHOW JOBS on %s shortens only descriptions longer than 70 characters', (version) => {
    const description = 'x'.repeat(70);
    expect(plainRows(version, [job(null, description)], new Date())[0].description).toBe(description);
    expect(plainRows(version, [job(null, `${description}y`)], new Date())[0].description).toBe(`${'x'.repeat(60)} … ${'x'.repeat(6)}y`);
  });

  test.each(SUPPORTED_VERSIONS.filter((v) => !atLeast(v, '24.1')))('plain SHOW JOBS on %s keeps long descriptions whole', (version) => {
    const description = 'x'.repeat(71);
    expect(plainRows(version, [job(null, description)], new Date())[0].description).toBe(description);
  });
});
