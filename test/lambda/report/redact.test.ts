import { redact, redactedMessage, registerSecret } from '../../../lambda/backup/report/redact';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard(['Unr3gistered/Secret+Key', 'registered-pass/w+rd']);

describe('redact', () => {
  test('removes any AWS_SECRET_ACCESS_KEY value, even one never registered', () => {
    expect(redact("BACKUP INTO 's3://b/c?AWS_ACCESS_KEY_ID=AKIA&AWS_SECRET_ACCESS_KEY=Unr3gistered%2FSecret%2BKey&AWS_REGION=x'")).toBe(
      "BACKUP INTO 's3://b/c?AWS_ACCESS_KEY_ID=AKIA&AWS_SECRET_ACCESS_KEY=redacted&AWS_REGION=x'",
    );
  });

  test('removes password= fragments and JSON password fields', () => {
    expect(redact('host=h password=Unr3gistered/Secret+Key user=u')).toBe('host=h password=redacted user=u');
    expect(redact('{"host":"h","password":"Unr3gistered/Secret+Key"}')).toBe('{"host":"h","password":"redacted"}');
    expect(redact('{"secretAccessKey":"Unr3gistered/Secret+Key"}')).toBe('{"secretAccessKey":"redacted"}');
  });

  test('removes the password of a connection string', () => {
    expect(redact('postgresql://backup:Unr3gistered/Secret+Key@db:26257/x')).toBe('postgresql://backup:redacted@db:26257/x');
  });

  test('removes a registered secret wherever it appears, raw or URL-encoded', () => {
    registerSecret('registered-pass/w+rd');
    expect(redact('auth failed for registered-pass/w+rd and registered-pass%2Fw%2Brd')).toBe('auth failed for redacted and redacted');
  });

  test('leaves text without secrets unchanged', () => {
    expect(redact('backup job 123 succeeded')).toBe('backup job 123 succeeded');
  });
});

describe('redactedMessage', () => {
  test('redacts an error message', () => {
    expect(redactedMessage(new Error('bad uri AWS_SECRET_ACCESS_KEY=abc'))).toBe('bad uri AWS_SECRET_ACCESS_KEY=redacted');
  });
});
