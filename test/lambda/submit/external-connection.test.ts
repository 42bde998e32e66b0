import { sameDestination, uriOfCreateStatement } from '../../../lambda/backup/submit/external-connection';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard(['OldSecret/Key+1']);

const uri = (keyId: string, secret: string) => `s3://b/c?AWS_ACCESS_KEY_ID=${keyId}&AWS_SECRET_ACCESS_KEY=${encodeURIComponent(secret)}&AWS_REGION=eu-west-1`;

describe('uriOfCreateStatement', () => {
  test('reads the URI of SHOW CREATE EXTERNAL CONNECTION, undoing SQL quoting', () => {
    expect(uriOfCreateStatement("CREATE EXTERNAL CONNECTION 'prod' AS 's3://b/it''s?AWS_REGION=x'")).toBe("s3://b/it's?AWS_REGION=x");
  });

  test('is undefined for a statement it does not recognize', () => {
    expect(uriOfCreateStatement('something else')).toBeUndefined();
  });
});

describe('sameDestination', () => {
  test('holds for the same place and key id whatever the secret and parameter order', () => {
    const reordered = 's3://b/c?AWS_REGION=eu-west-1&AWS_SECRET_ACCESS_KEY=redacted&AWS_ACCESS_KEY_ID=AKIA1';
    expect(sameDestination(uri('AKIA1', 'OldSecret/Key+1'), reordered)).toBe(true);
  });

  test('fails when the key id changed (a rotation)', () => {
    expect(sameDestination(uri('AKIA1', 'OldSecret/Key+1'), uri('AKIA2', 'OldSecret/Key+1'))).toBe(false);
  });

  test('fails when the collection changed', () => {
    expect(sameDestination(uri('AKIA1', 's'), uri('AKIA1', 's').replace('/c?', '/d?'))).toBe(false);
  });

  test('fails for text that is not a URI', () => {
    expect(sameDestination('not a uri', 'not a uri')).toBe(false);
  });
});
