import { BackupSettings, parseSettings } from '../../../lambda/backup/connect/config';
import { JobRow } from '../../../lambda/backup/observe/job';
import { TEST_ACCESS_KEY_ID, TEST_ROTATED_ACCESS_KEY_ID, TEST_ROTATED_SECRET_ACCESS_KEY, TEST_SECRET_ACCESS_KEY } from './secret-guard';

export const TEST_ACCESS_KEY = { accessKeyId: TEST_ACCESS_KEY_ID, secretAccessKey: TEST_SECRET_ACCESS_KEY };
/** The key a rotation makes current. */
export const ROTATED_ACCESS_KEY = { accessKeyId: TEST_ROTATED_ACCESS_KEY_ID, secretAccessKey: TEST_ROTATED_SECRET_ACCESS_KEY };

/** The environment the construct would set, for a collection `prod_1/cluster` in `backup-bucket`. */
export function testEnvironment(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    BUCKET_NAME: 'backup-bucket',
    BUCKET_REGION: 'eu-west-1',
    COLLECTION: 'prod_1/cluster',
    ...overrides,
  };
}

export function testSettings(overrides: Record<string, string | undefined> = {}): BackupSettings {
  return parseSettings(testEnvironment(overrides));
}

const URI = `s3://backup-bucket/prod_1/cluster?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_REGION=eu-west-1&AWS_SECRET_ACCESS_KEY=redacted`;

/** Job descriptions as CockroachDB writes them for this collection. */
export const DESCRIPTIONS = {
  newFull: `BACKUP INTO '${URI}' AS OF SYSTEM TIME '-10s' WITH OPTIONS (revision_history = true, detached)`,
  latest: `BACKUP INTO 'LATEST' IN '${URI}' AS OF SYSTEM TIME '-10s' WITH OPTIONS (revision_history = true, detached)`,
  resolved: (subdir: string): string => `BACKUP INTO '${subdir}' IN '${URI}' AS OF SYSTEM TIME '-10s' WITH OPTIONS (revision_history = true, detached)`,
};

export const NOW = new Date('2026-11-24T12:00:00Z');

let nextId = 900719925474099300n;

const TERMINAL = ['succeeded', 'failed', 'canceled', 'revert-failed'];

/**
 * A job row created `minutesAgo`; a terminal job finished a minute later unless
 * `finishedMinutesAgo` says otherwise. Ids are above 2^53 like real ones.
 */
export function job(fields: Partial<JobRow> & { minutesAgo: number; finishedMinutesAgo?: number }, now: Date = NOW): JobRow {
  nextId += 1n;
  const { minutesAgo, finishedMinutesAgo, ...rest } = fields;
  const status = rest.status ?? 'succeeded';
  const finishedAgo = finishedMinutesAgo ?? (TERMINAL.includes(status) ? minutesAgo - 1 : undefined);
  return {
    jobId: nextId.toString(),
    status,
    description: DESCRIPTIONS.latest,
    error: '',
    created: new Date(now.getTime() - minutesAgo * 60_000),
    finished: finishedAgo === undefined ? undefined : new Date(now.getTime() - finishedAgo * 60_000),
    ...rest,
  };
}
