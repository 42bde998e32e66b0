import { drillLocation, drillTarget, offsiteCopyLabel } from '../../../lambda/backup/drill/drill-location';
import { backupTarget, buildS3Uri } from '../../../lambda/backup/submit/storage';
import { TEST_ACCESS_KEY, testSettings } from '../helpers/fixtures';
import { installSecretGuard, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY } from '../helpers/secret-guard';

installSecretGuard();

const COPY = { DRILL_COPY_BUCKET_NAME: 'backups-copy', DRILL_COPY_BUCKET_REGION: 'eu-central-1' };

describe('what a restore drill reads', () => {
  test('without an off-site copy: the primary, exactly what backups name', () => {
    const settings = testSettings();
    expect(drillTarget(settings, TEST_ACCESS_KEY)).toBe(backupTarget(settings, TEST_ACCESS_KEY));
    expect(drillLocation(settings)).toEqual({ source: 'primary', bucket: 'backup-bucket' });
    expect(offsiteCopyLabel(settings)).toBeUndefined();
  });

  test("with one: the copy's bucket and region, the same collection and the same access key, URL-encoded by the one builder", () => {
    const settings = testSettings(COPY);
    const uri = drillTarget(settings, TEST_ACCESS_KEY);
    expect(uri).toBe(`s3://backups-copy/prod_1/cluster?AWS_ACCESS_KEY_ID=${TEST_ACCESS_KEY_ID}&AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI%2FK7MDENG%2BbPxRfiCYEXAMPLEKEY&AWS_REGION=eu-central-1`);
    expect(new URL(uri).searchParams.get('AWS_SECRET_ACCESS_KEY')).toBe(TEST_SECRET_ACCESS_KEY);
    expect(uri).toBe(buildS3Uri(settings, TEST_ACCESS_KEY, settings.drillCopy));
    expect(drillLocation(settings)).toEqual({ source: 'copy', bucket: 'backups-copy' });
    expect(offsiteCopyLabel(settings)).toBe('off-site copy s3://backups-copy/prod_1/cluster');
  });

  test('keyless: AUTH=implicit and the role chain, no key', () => {
    const chain = 'arn:aws:iam::123456789012:role/backup;external_id=crdb-backup-x';
    const uri = drillTarget(testSettings({ ...COPY, STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: chain }), undefined);
    expect(uri.startsWith('s3://backups-copy/prod_1/cluster?AUTH=implicit&ASSUME_ROLE=')).toBe(true);
    expect(new URL(uri).searchParams.get('ASSUME_ROLE')).toBe(chain);
    expect(new URL(uri).searchParams.get('AWS_REGION')).toBe('eu-central-1');
    expect(uri).not.toContain('AWS_ACCESS_KEY_ID');
  });

  test('in external-connection mode: the URI of the copy, never the connection, which names the primary', () => {
    const settings = testSettings({ ...COPY, STORAGE_MODE: 'external-connection', EXTERNAL_CONNECTION_NAME: 'prod_backups' });
    expect(backupTarget(settings, TEST_ACCESS_KEY)).toBe('external://prod_backups');
    expect(drillTarget(settings, TEST_ACCESS_KEY)).toMatch(/^s3:\/\/backups-copy\/prod_1\/cluster\?AWS_ACCESS_KEY_ID=/);
  });
});
