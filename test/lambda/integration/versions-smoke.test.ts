import { Harness } from '../helpers/harness';
import { installSecretGuard } from '../helpers/secret-guard';
import { SUPPORTED_VERSIONS } from '../helpers/versions';

const guard = installSecretGuard();

describe.each(SUPPORTED_VERSIONS)('on CockroachDB %s, as a user with only the BACKUP privilege', (version) => {
  let harness: Harness;

  beforeEach(async () => {
    harness = await Harness.start({ version });
  });

  afterEach(async () => {
    await harness.stop();
  });

  test('takes a full backup on the first run and an incremental on the next', async () => {
    const first = await harness.lambda.run('incremental');
    const second = await harness.lambda.run('incremental');
    guard.inspect([first, second]);
    expect(first).toMatchObject({ action: 'submitted', kind: 'full', status: 'succeeded', chainLength: 0 });
    expect(second).toMatchObject({ action: 'submitted', kind: 'incremental', status: 'succeeded', chainLength: 1 });
    expect(second.reportedJobs.map((j) => j.jobId)).toEqual(expect.arrayContaining([first.jobId, second.jobId]));
  });
});
