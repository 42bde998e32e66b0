import { Client, DatabaseError } from 'pg';
import { awsS3Uri, Fixture, OPERATOR, ROOT, startFixture, submit } from '../support/helpers/fixture';
import { SUPPORTED_VERSIONS } from '../support/versions';
import { RUNBOOK, RunbookStatement, runbookStatements } from './runbook';

/**
 * The runbook's SQL, statement by statement, in the CockroachDB test double on every
 * version it models (test/support/versions.ts): each statement must run there as printed,
 * with the runbook's example chain, job id, time and '<uri>' replaced by a real collection's.
 * The double answers a statement it does not parse or model with CockroachDB's syntax error
 * (42601) or "feature not supported" (0A000), never with a silent success, so a statement
 * that does not parse cannot pass.
 */

/** Example values the runbook shows in place of real ones. */
const CHAIN_EXAMPLE = /'\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}'/g;
const JOB_ID_EXAMPLE = /\b\d{18,19}\b/g;
const TIME_EXAMPLE = /AS OF SYSTEM TIME '\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?'/g;

/** `SELECT ... FROM [SHOW BACKUP ...]`: the double runs the inner statement (its SELECT evaluator reads jobs only). */
const SELECT_FROM_SHOW_BACKUP = /^SELECT .+ FROM \[(SHOW BACKUP FROM .+)\]$/;

/**
 * Statements that cannot succeed in the runbook's own order in one test cluster, with the
 * refusal CockroachDB gives there: a full cluster restore into a cluster that has databases
 * (the runbook restores it into an empty one).
 */
const REFUSED_IN_A_CLUSTER_WITH_DATA = /^RESTORE FROM /;

const where = (s: RunbookStatement): string => `${RUNBOOK}:${s.line}: ${s.text}`;

describe('the restore runbook\'s SQL', () => {
  const statements = runbookStatements();

  test('fails if the runbook has no SQL to check (the extraction found nothing)', () => {
    expect(statements.length).toBeGreaterThan(10);
  });

  test('fails if a statement keeps a placeholder other than \'<uri>\'', () => {
    const left = statements.filter((s) => /<(?!uri>)[^>]*>/.test(s.text));
    expect(left.map(where)).toEqual([]);
  });

  test('every form the runbook relies on is among the statements checked', () => {
    const texts = statements.map((s) => s.text);
    const forms = [/^SHOW BACKUPS IN /, /^SHOW BACKUP FROM '/, /^SHOW BACKUP FROM LATEST /, /WITH check_files$/, /^SHOW JOB WHEN COMPLETE /, /^SHOW JOB \d/, /^SHOW JOBS SELECT /, /^BACKUP INTO /, /^RESTORE DATABASE .* AS OF SYSTEM TIME /, /^RESTORE FROM LATEST /];
    expect(forms.filter((form) => !texts.some((t) => form.test(t))).map(String)).toEqual([]);
  });

  describe.each(SUPPORTED_VERSIONS)('in the CockroachDB double, version %s', (version) => {
    let f: Fixture;
    let root: Client;
    let operator: Client;
    let uri: string;
    let chain: string;
    let jobId: string;
    let newestEnd: string;

    beforeAll(async () => {
      f = await startFixture({ version, databases: [{ name: 'bank', tables: ['customers', 'accounts'] }] });
      root = await f.connect(ROOT);
      operator = await f.connect(OPERATOR);
      uri = awsS3Uri('prod/cluster-1');
      // A chain of a full backup and an incremental, as the Lambda leaves it.
      await submit(operator, "BACKUP INTO $1 AS OF SYSTEM TIME '-30s' WITH DETACHED, revision_history", [uri]);
      await f.double.whenJobsSettled();
      jobId = await submit(operator, "BACKUP INTO LATEST IN $1 AS OF SYSTEM TIME '-20s' WITH DETACHED, revision_history", [uri]);
      await f.double.whenJobsSettled();
      const chains = (await root.query<{ path: string }>('SHOW BACKUPS IN $1', [uri])).rows.map((r) => r.path);
      expect(chains).toHaveLength(1);
      chain = chains[0];
      // A time the chain covers, in the form the runbook prints (UTC, no zone).
      const ends = (await root.query<{ end_time: Date | string }>('SHOW BACKUP FROM LATEST IN $1', [uri])).rows.map((r) => new Date(r.end_time));
      newestEnd = new Date(Math.max(...ends.map((d) => d.getTime()))).toISOString().replace('T', ' ').replace('Z', '');
    });

    afterAll(async () => {
      await f.close();
    });

    /** The statement with the test's collection URI, chain, job and time in place of the runbook's examples. */
    function withTestValues(text: string): string {
      return text
        .replace(/'<uri>'/g, `'${uri}'`)
        .replace(CHAIN_EXAMPLE, `'${chain}'`)
        .replace(JOB_ID_EXAMPLE, jobId)
        .replace(TIME_EXAMPLE, `AS OF SYSTEM TIME '${newestEnd}'`);
    }

    test('every statement runs as printed, in the runbook\'s order; SHOW statements return rows', async () => {
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const statement of statements) {
        const inner = SELECT_FROM_SHOW_BACKUP.exec(statement.text);
        const text = withTestValues(inner === null ? statement.text : inner[1]);
        // BACKUP runs as the backup user, as the runbook says; the rest as an admin.
        const client = /^BACKUP /.test(text) ? operator : root;
        const refused = REFUSED_IN_A_CLUSTER_WITH_DATA.test(statement.text);
        expected.push(`${where(statement)} -> ${refused ? 'refused: the cluster is not empty' : 'ok'}`);
        try {
          const result = await client.query(text);
          const needsRows = /^SHOW (BACKUPS?|JOBS?) /.test(text);
          outcomes.push(`${where(statement)} -> ${needsRows && result.rows.length === 0 ? 'no rows' : 'ok'}`);
        } catch (error) {
          const code = error instanceof DatabaseError ? error.code : undefined;
          const message = error instanceof Error ? error.message : String(error);
          const notEmpty = code !== '42601' && code !== '0A000' && /can only be run on a cluster with no tables or databases/.test(message);
          outcomes.push(`${where(statement)} -> ${refused && notEmpty ? 'refused: the cluster is not empty' : `${code}: ${message}`}`);
        }
        await f.double.whenJobsSettled();
      }
      expect(outcomes).toEqual(expected);
    });
  });
});
