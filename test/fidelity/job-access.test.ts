import { Client } from 'pg';
import { SUPPORTED_VERSIONS, SystemPrivilege } from '../support/cockroach-double';
import { Fixture, OPERATOR, ROOT, awsS3Uri, sqlError, startFixture, submit } from '../support/helpers/fixture';
import { atLeast } from '../support/versions';

interface TestUser {
  readonly name: string;
  readonly password: string;
  readonly systemPrivileges: readonly SystemPrivilege[];
}
const user = (name: string, ...privileges: SystemPrivilege[]): TestUser => ({ name, password: `${name}-password`, systemPrivileges: ['BACKUP', ...privileges] });
const OTHER = user('other');
const WATCHER = user('watcher', 'VIEWJOB');
const CONTROLLER = user('controller', 'CONTROLJOB');

/**
 * Who sees and controls which jobs (docs/cockroachdb-behaviour.md section 2,
 * pkg/jobs/jobsauth/authorization.go): a non-admin sees only its own jobs unless it has
 * VIEWJOB or CONTROLJOB; CANCEL/PAUSE/RESUME JOB need admin or CONTROLJOB before 25.1,
 * even for the user's own jobs, and from 25.1 the owner may control its own; jobs owned
 * by an admin only admins control.
 */
describe.each(SUPPORTED_VERSIONS)('job visibility and control on %s', (version) => {
  const ownersControl = atLeast(version, '25.1');
  let f: Fixture;
  const clients = new Map<string, Client>();
  const as = async (who: { name: string; password: string }): Promise<Client> => {
    const existing = clients.get(who.name);
    if (existing !== undefined) return existing;
    const client = await f.connect(who);
    clients.set(who.name, client);
    return client;
  };
  /** A job of `who` that stays running until controlled. */
  const runningJob = async (who: { name: string; password: string }): Promise<string> => {
    f.double.scriptNextJob({ outcome: 'running' });
    const jobId = await submit(await as(who), 'BACKUP INTO $1 WITH detached', [awsS3Uri(`access-${version}/${who.name}-${Math.random().toString(36).slice(2)}`)]);
    await f.double.whenJobsSettled();
    return jobId;
  };
  let jobs: { root: string; operator: string; other: string };
  beforeAll(async () => {
    f = await startFixture({ version });
    for (const u of [OTHER, WATCHER, CONTROLLER]) f.double.addUser(u);
    jobs = { root: await runningJob(ROOT), operator: await runningJob(OPERATOR), other: await runningJob(OTHER) };
  });
  afterAll(async () => {
    clients.clear();
    await f.close();
  });

  const seen = async (who: { name: string; password: string }, statement: string): Promise<string[]> =>
    (await (await as(who)).query(statement)).rows.map((row: { job_id: string }) => row.job_id).sort();

  test.each(['SHOW JOBS', "SHOW JOBS SELECT job_id FROM [SHOW JOBS] WHERE job_type = 'BACKUP'"])('a non-admin with only BACKUP sees only its own jobs: %s', async (statement) => {
    expect(await seen(OPERATOR, statement)).toEqual([jobs.operator]);
    expect((await (await as(OPERATOR)).query('SHOW JOB $1', [jobs.root])).rows).toEqual([]);
  });

  test.each([
    ['VIEWJOB', WATCHER],
    ['CONTROLJOB', CONTROLLER],
    ['admin', ROOT],
  ])('%s sees every job, admins\' too', async (_label, who) => {
    expect(await seen(who, 'SHOW JOBS')).toEqual(expect.arrayContaining([jobs.root, jobs.operator, jobs.other]));
  });

  test('GRANT SYSTEM VIEWJOB makes the jobs of others visible, REVOKE hides them again', async () => {
    const viewer = user('late-viewer');
    f.double.addUser(viewer);
    const root = await as(ROOT);
    await root.query('GRANT SYSTEM VIEWJOB TO "late-viewer"');
    expect(await seen(viewer, 'SHOW JOBS')).toEqual(expect.arrayContaining([jobs.root, jobs.other]));
    await root.query('REVOKE SYSTEM VIEWJOB FROM "late-viewer"');
    expect(await seen(viewer, 'SHOW JOBS')).toEqual([]);
  });

  test(`the owner ${ownersControl ? 'may' : 'may not'} pause its own job without CONTROLJOB`, async () => {
    const jobId = await runningJob(OPERATOR);
    const operator = await as(OPERATOR);
    if (ownersControl) {
      await operator.query('PAUSE JOB $1', [jobId]);
      expect((await operator.query('SHOW JOB $1', [jobId])).rows[0].status).toMatch(/^pause/);
    } else {
      const error = await sqlError(operator.query('PAUSE JOB $1', [jobId]));
      expect({ code: error.code, message: error.message }).toEqual({ code: '42501', message: 'user operator does not have CONTROLJOB privilege' });
    }
  });

  test('a non-admin without CONTROLJOB may not cancel another user\'s job', async () => {
    const error = await sqlError((await as(OPERATOR)).query('CANCEL JOB $1', [jobs.other]));
    expect(error.code).toBe('42501');
    expect(error.message).toBe(ownersControl ? `user operator does not have privileges for job ${jobs.other}` : 'user operator does not have CONTROLJOB privilege');
  });

  test('CONTROLJOB controls the jobs of non-admins, not those of admins', async () => {
    const jobId = await runningJob(OTHER);
    const controller = await as(CONTROLLER);
    await controller.query('CANCEL JOB $1', [jobId]);
    expect((await controller.query('SHOW JOB $1', [jobId])).rows[0].status).toMatch(/^(cancel-requested|reverting|canceled)$/);
    const error = await sqlError(controller.query('PAUSE JOB $1', [jobs.root]));
    expect({ code: error.code, message: error.message }).toEqual({ code: '42501', message: 'only admins can control jobs owned by other admins' });
  });

  test('an admin controls any job', async () => {
    const jobId = await runningJob(OTHER);
    await (await as(ROOT)).query('CANCEL JOB $1', [jobId]);
    await f.double.whenJobsSettled();
    expect(f.double.jobs().find((job) => job.jobId === jobId)?.status).toBe('canceled');
  });
});
