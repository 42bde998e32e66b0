import { installSecretGuard } from '../lambda/helpers/secret-guard';
import { ConfigurationError } from '../../lambda/backup/connect/config';
import { parseRotationSettings } from '../../lambda/rotation/config';
import { parseRotationEvent } from '../../lambda/rotation/event';

installSecretGuard();

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:backup-access-key-AbCdEf';
const ENVIRONMENT = {
  ACCESS_KEY_SECRET_ARN: ARN,
  BACKUP_USER_NAME: 'backup-user',
  BUCKET_NAME: 'backups',
  BUCKET_REGION: 'eu-west-1',
  COLLECTION: 'prod/cluster-1',
  PREVIOUS_KEY_GRACE_SECONDS: '172800',
};

function configurationError(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('the rotation function settings', () => {
  test('reads every variable; no endpoint means AWS S3, and the namespace has its default', () => {
    expect(parseRotationSettings(ENVIRONMENT)).toEqual({
      secretArn: ARN,
      userName: 'backup-user',
      bucketName: 'backups',
      bucketRegion: 'eu-west-1',
      collection: 'prod/cluster-1',
      s3Endpoint: undefined,
      previousKeyGraceSeconds: 172800,
      metricsNamespace: 'CockroachBackup',
    });
  });

  test('fails naming the variable and what it expects', () => {
    expect(configurationError(() => parseRotationSettings({ ...ENVIRONMENT, BACKUP_USER_NAME: '' }))).toBe('BACKUP_USER_NAME is not set: expected the name of the backup IAM user');
    expect(configurationError(() => parseRotationSettings({ ...ENVIRONMENT, PREVIOUS_KEY_GRACE_SECONDS: '60' }))).toBe(
      "PREVIOUS_KEY_GRACE_SECONDS is '60': expected whole seconds from 3600 to 7776000",
    );
    expect(configurationError(() => parseRotationSettings({ ...ENVIRONMENT, ACCESS_KEY_SECRET_ARN: 'backup-access-key' }))).toMatch(/^ACCESS_KEY_SECRET_ARN is 'backup-access-key': expected the ARN/);
  });
});

describe('the rotation function event', () => {
  test("reads Secrets Manager's step events and the retirement event", () => {
    expect(parseRotationEvent({ Step: 'testSecret', SecretId: ARN, ClientRequestToken: 't-1' })).toEqual({ kind: 'step', step: 'testSecret', secretId: ARN, token: 't-1' });
    expect(parseRotationEvent({ action: 'retire-previous-key' })).toEqual({ kind: 'retire', immediately: false });
    expect(parseRotationEvent({ action: 'retire-previous-key', immediately: true })).toEqual({ kind: 'retire', immediately: true });
  });

  test('refuses anything else, saying what it expects', () => {
    expect(configurationError(() => parseRotationEvent({ Step: 'dropSecret', SecretId: ARN, ClientRequestToken: 't' }))).toMatch(/neither a rotation step .* nor \{"action":"retire-previous-key"\}/);
    expect(configurationError(() => parseRotationEvent({ action: 'retire-previous-key', immediately: 'yes' }))).toBe('the event\'s immediately is "yes": expected true, false or nothing');
    expect(configurationError(() => parseRotationEvent(null))).toMatch(/got keys \[\]/);
  });
});
