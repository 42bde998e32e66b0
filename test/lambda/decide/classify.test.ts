import { classifyJobs, credentialFailure, curableFailure, parseDestination } from '../../../lambda/backup/decide/classify';
import { DESCRIPTIONS, job } from '../helpers/fixtures';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const S1 = '/2026/11/20-020000.00';

describe('parseDestination', () => {
  test('reads a new full backup', () => {
    expect(parseDestination(DESCRIPTIONS.newFull)).toEqual({ resolved: false, kind: 'full' });
  });

  test("reads an unresolved incremental, quoted 'LATEST' or keyword LATEST", () => {
    expect(parseDestination(DESCRIPTIONS.latest)).toEqual({ resolved: false, kind: 'incremental' });
    expect(parseDestination(DESCRIPTIONS.latest.replace("'LATEST'", 'LATEST'))).toEqual({ resolved: false, kind: 'incremental' });
  });

  test('reads the subdirectory of a resolved job, adding a missing leading slash', () => {
    expect(parseDestination(DESCRIPTIONS.resolved(S1))).toEqual({ resolved: true, subdir: S1 });
    expect(parseDestination(DESCRIPTIONS.resolved(S1.slice(1)))).toEqual({ resolved: true, subdir: S1 });
  });

  test('ignores descriptions that are not whole-cluster backups into a collection', () => {
    expect(parseDestination("BACKUP TABLE t INTO 's3://b/c'")).toBeUndefined();
  });
});

describe('classifyJobs', () => {
  test('takes the earliest job of a subdirectory for its full backup and later ones for incrementals', () => {
    const incremental = job({ minutesAgo: 60, description: DESCRIPTIONS.resolved(S1) });
    const full = job({ minutesAgo: 120, description: DESCRIPTIONS.resolved(S1) });
    const classified = classifyJobs([incremental, full]);
    expect(classified.map((j) => [j.jobId, j.kind])).toEqual([
      [full.jobId, 'full'],
      [incremental.jobId, 'incremental'],
    ]);
  });

  test('breaks a tie in creation time by job id', () => {
    const first = job({ minutesAgo: 5, description: DESCRIPTIONS.resolved(S1) });
    const second = { ...job({ minutesAgo: 5, description: DESCRIPTIONS.resolved(S1) }), created: first.created };
    expect(classifyJobs([second, first]).map((j) => j.kind)).toEqual(['full', 'incremental']);
  });

  test('keeps the requested kind of jobs that never resolved their destination', () => {
    const unresolved = job({ minutesAgo: 3, status: 'failed', description: DESCRIPTIONS.latest });
    const classified = classifyJobs([unresolved]);
    expect(classified[0].kind).toBe('incremental');
    expect(classified[0]).toEqual({ ...unresolved, kind: 'incremental' });
  });
});

describe('curableFailure', () => {
  test.each([
    ['path does not contain a completed latest backup: open LATEST: no such file', 'no-full-backup'],
    ['previous BACKUP belongs to cluster 6f2e0a6c-5b1c-4f8e-9f3a-2d7c1b9e4a10', 'foreign-cluster'],
    ['start timestamp 1700000000.1 must be after replica GC threshold 1700003600.0', 'gc-threshold'],
  ])('recognizes %s', (error, failure) => {
    expect(curableFailure(error)).toBe(failure);
  });

  test('does not take other failures for curable ones', () => {
    expect(curableFailure('AS OF SYSTEM TIME 1 must be greater than the previous backup end time of 2')).toBeUndefined();
  });
});

describe('credentialFailure', () => {
  const STS_DENIED =
    'failed to get s3 object: AccessDenied: User: arn:aws:sts::123456789012:assumed-role/crl-dr-store-user-0123456789ab/aws-go-sdk-1 is not authorized to perform: ' +
    'sts:AssumeRole on resource: arn:aws:iam::123456789012:role/backup\n\tstatus code: 403, request id: 1';

  test('reads the caller and the role of an STS refusal', () => {
    expect(credentialFailure(STS_DENIED)).toEqual({
      kind: 'assume-role-denied',
      caller: 'arn:aws:sts::123456789012:assumed-role/crl-dr-store-user-0123456789ab/aws-go-sdk-1',
      role: 'arn:aws:iam::123456789012:role/backup',
    });
  });

  test.each([
    ['NoCredentialProviders: no valid providers in chain\ncaused by: EnvAccessKeyNotFound: failed to find credentials in the environment.'],
    ['operation error S3: ListObjects, failed to retrieve credentials: no EC2 IMDS role found'],
  ])('reads missing node credentials in SDK v1 and v2 wording: %s', (error) => {
    expect(credentialFailure(`failed to list s3 bucket: ${error}`)).toEqual({ kind: 'no-node-credentials' });
  });

  test('reads implicit credentials disabled by the start flag', () => {
    expect(credentialFailure('implicit credentials disallowed for s3 due to --external-io-disable-implicit-credentials flag')).toEqual({ kind: 'implicit-disabled' });
  });

  test('leaves S3 key rejections and other errors alone', () => {
    expect(credentialFailure('failed to get s3 object: InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records.')).toBeUndefined();
    expect(credentialFailure('path does not contain a completed latest backup')).toBeUndefined();
  });
});
