import { backupTarget, buildS3Uri, describesCollection } from '../../../lambda/backup/submit/storage';
import { DESCRIPTIONS, TEST_ACCESS_KEY, testSettings } from '../helpers/fixtures';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

installSecretGuard();

describe('buildS3Uri', () => {
  test('URL-encodes the secret key, whose / and + would otherwise change meaning', () => {
    const uri = buildS3Uri(testSettings(), TEST_ACCESS_KEY);
    expect(uri).toBe(
      `s3://backup-bucket/prod_1/cluster?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY&AWS_REGION=eu-west-1`,
    );
    expect(new URL(uri).searchParams.get('AWS_SECRET_ACCESS_KEY')).toBe(TEST_SECRET_ACCESS_KEY);
  });

  test('adds the endpoint, encoded, when one is configured', () => {
    const uri = buildS3Uri(testSettings({ S3_ENDPOINT: 'http://127.0.0.1:9000' }), TEST_ACCESS_KEY);
    expect(uri.endsWith('&AWS_ENDPOINT=http%3A%2F%2F127.0.0.1%3A9000')).toBe(true);
    expect(new URL(uri).searchParams.get('AWS_ENDPOINT')).toBe('http://127.0.0.1:9000');
  });
});

describe('buildS3Uri in keyless modes', () => {
  test('writes AUTH=implicit and no key for the nodes\' own identity', () => {
    const uri = buildS3Uri(testSettings({ STORAGE_AUTH: 'implicit' }), undefined);
    expect(uri).toBe('s3://backup-bucket/prod_1/cluster?AUTH=implicit&AWS_REGION=eu-west-1');
  });

  test('chains the roles in order, encoded, with the external id in CockroachDB\'s role-provider format, and never a key', () => {
    const chain = 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab,arn:aws:iam::123456789012:role/backup;external_id=crdb-backup-x';
    const uri = buildS3Uri(testSettings({ STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: chain }), TEST_ACCESS_KEY);
    expect(new URL(uri).searchParams.get('ASSUME_ROLE')).toBe(chain);
    expect(new URL(uri).searchParams.get('AUTH')).toBe('implicit');
    expect(uri).not.toContain('AWS_ACCESS_KEY_ID');
    expect(uri).not.toContain('AWS_SECRET_ACCESS_KEY');
    expect(uri).toContain('ASSUME_ROLE=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcrl-dr-store-user-0123456789ab%2Carn');
  });

  test('refuses to build an access-key URI without the key', () => {
    expect(() => buildS3Uri(testSettings(), undefined)).toThrow('needs the access key');
  });
});

describe('backupTarget', () => {
  test('names the external connection in external-connection mode, with no key', () => {
    const target = backupTarget(testSettings({ STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' }), TEST_ACCESS_KEY);
    expect(target).toBe('external://prod_backups');
  });
});

describe('describesCollection', () => {
  const settings = testSettings();

  test.each([
    ['a new full backup', DESCRIPTIONS.newFull],
    ['an unresolved incremental', DESCRIPTIONS.latest],
    ['a resolved job', DESCRIPTIONS.resolved('/2026/11/24-100000.00')],
  ])('matches %s of the collection', (_, description) => {
    expect(describesCollection(settings, description)).toBe(true);
  });

  test.each([
    ['a longer collection name', DESCRIPTIONS.newFull.replace('prod_1/cluster?', 'prod_1/cluster-old?')],
    ['a sub-collection', DESCRIPTIONS.newFull.replace('prod_1/cluster?', 'prod_1/cluster/sub?')],
    ['a name differing where _ stands', DESCRIPTIONS.newFull.replace('prod_1/', 'prodX1/')],
    ['another bucket', DESCRIPTIONS.newFull.replace('backup-bucket', 'other-bucket')],
  ])('does not match %s', (_, description) => {
    expect(describesCollection(settings, description)).toBe(false);
  });

  test('matches only the quoted external connection in external-connection mode', () => {
    const external = testSettings({ STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' });
    expect(describesCollection(external, "BACKUP INTO 'LATEST' IN 'external://prod_backups' WITH OPTIONS (detached)")).toBe(true);
    expect(describesCollection(external, "BACKUP INTO 'LATEST' IN 'external://prod_backups_2' WITH OPTIONS (detached)")).toBe(false);
  });
});
