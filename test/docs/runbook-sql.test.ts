import { Client } from 'pg';
import { awsS3Uri, Fixture, OPERATOR, ROOT, startFixture, submit } from '../support/helpers/fixture';
import { RUNBOOK, RunbookStatement, runbookStatements } from './runbook';

/**
 * The runbook's SQL, checked statement by statement. The statements the CockroachDB test
 * double models (test/support/README.md) run against it, placeholders replaced by a real
 * collection, chain and job; the ones it does not model (RESTORE, DROP DATABASE) are
 * checked against the forms this runbook uses, so that a new form cannot slip in
 * unchecked.
 */

/** Example values the runbook shows in place of real ones. */
const CHAIN_EXAMPLE = /'\/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2}'/g;
const JOB_ID_EXAMPLE = /\b\d{18,19}\b/g;

/** What the double runs: the statement forms it models. */
const MODELLED = [/^SHOW BACKUPS? /, /^BACKUP INTO /, /^SHOW JOBS?\b/, /^(CREATE|DROP) EXTERNAL CONNECTION /];

/** `SELECT ... FROM [SHOW BACKUP ...]`: the double runs the inner statement. */
const SELECT_FROM_SHOW_BACKUP = /^SELECT .+ FROM \[(SHOW BACKUP FROM .+)\]$/;

const SOURCE = "(LATEST|'\\/\\d{4}\\/\\d{2}\\/\\d{2}-\\d{6}\\.\\d{2}') IN '<uri>'";
const TIME = "'(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?|\\d+\\.\\d{10})'";
const OPTION = "(DETACHED|schema_only|verify_backup_table_data|new_db_name = '\\w+'|into_db = '\\w+')";
/** RESTORE as the runbook writes it (CockroachDB's grammar, restricted to what the runbook needs). */
const RESTORE_FORM = new RegExp(
  `^RESTORE( DATABASE \\w+| TABLE \\w+\\.\\w+)? FROM ${SOURCE}( AS OF SYSTEM TIME ${TIME})?( WITH ${OPTION}(, ${OPTION})*)?$`,
);
const NOT_MODELLED = [RESTORE_FORM, /^DROP DATABASE \w+ CASCADE$/];

const where = (s: RunbookStatement): string => `${RUNBOOK}:${s.line}: ${s.text}`;

describe('the restore runbook\'s SQL', () => {
  const statements = runbookStatements();

  test('fails if the runbook has no SQL to check (the extraction found nothing)', () => {
    expect(statements.length).toBeGreaterThan(5);
  });

  test('fails if a statement is neither run in the double nor of a known form it does not model', () => {
    const unknown = statements.filter(
      (s) => !MODELLED.some((form) => form.test(s.text)) && !SELECT_FROM_SHOW_BACKUP.test(s.text) && !NOT_MODELLED.some((form) => form.test(s.text)),
    );
    expect(unknown.map(where)).toEqual([]);
  });

  test('fails if a statement keeps a placeholder other than \'<uri>\'', () => {
    const left = statements.filter((s) => /<(?!uri>)[^>]*>/.test(s.text));
    expect(left.map(where)).toEqual([]);
  });

  test('every form the runbook relies on is among the statements run in the double', () => {
    const texts = statements.map((s) => s.text);
    for (const form of [/^SHOW BACKUPS IN /, /^SHOW BACKUP FROM '/, /^SHOW BACKUP FROM LATEST /, /WITH check_files$/, /^SHOW JOB WHEN COMPLETE /, /^BACKUP INTO /]) {
      expect({ form: String(form), found: texts.some((t) => form.test(t)) }).toEqual({ form: String(form), found: true });
    }
  });

  describe('run in the CockroachDB double', () => {
    let f: Fixture;
    let root: Client;
    let operator: Client;
    let uri: string;
    let chain: string;
    let jobId: string;

    beforeAll(async () => {
      f = await startFixture();
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
    });

    afterAll(async () => {
      await f.close();
    });

    /** The statement with the test's collection URI, chain and job in place of the runbook's examples. */
    function withTestValues(text: string): string {
      return text
        .replace(/'<uri>'/g, `'${uri}'`)
        .replace(CHAIN_EXAMPLE, `'${chain}'`)
        .replace(JOB_ID_EXAMPLE, jobId);
    }

    test('every modelled statement runs, in the runbook\'s order, and returns rows where it should', async () => {
      const modelled = statements.filter((s) => MODELLED.some((form) => form.test(s.text)) || SELECT_FROM_SHOW_BACKUP.test(s.text));
      expect(modelled.length).toBeGreaterThan(5);
      const outcomes: string[] = [];
      for (const statement of modelled) {
        const inner = SELECT_FROM_SHOW_BACKUP.exec(statement.text);
        const text = withTestValues(inner === null ? statement.text : inner[1]);
        // BACKUP runs as the backup user, as the runbook says; reading needs no privilege.
        const client = /^BACKUP /.test(text) ? operator : root;
        try {
          const result = await client.query(text);
          const needsRows = /^SHOW (BACKUPS?|JOB) /.test(text);
          outcomes.push(`${where(statement)} -> ${needsRows && result.rows.length === 0 ? 'no rows' : 'ok'}`);
        } catch (error) {
          outcomes.push(`${where(statement)} -> ${error instanceof Error ? error.message : String(error)}`);
        }
        await f.double.whenJobsSettled();
      }
      expect(outcomes).toEqual(modelled.map((s) => `${where(s)} -> ok`));
    });

    test('the runbook\'s manual full backup succeeds and starts a new chain', async () => {
      const backup = statements.find((s) => /^BACKUP INTO /.test(s.text));
      expect(backup).toBeDefined();
      const before = (await root.query('SHOW BACKUPS IN $1', [uri])).rows.length;
      const submitted = await operator.query<{ job_id: string }>(withTestValues(backup!.text));
      await f.double.whenJobsSettled();
      const job = await root.query<{ status: string }>(`SHOW JOB ${submitted.rows[0].job_id}`);
      expect(job.rows.map((r) => r.status)).toEqual(['succeeded']);
      expect((await root.query('SHOW BACKUPS IN $1', [uri])).rows.length).toBe(before + 1);
    });
  });
});
