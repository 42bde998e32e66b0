import { describeStatementFailure, grantFor } from '../../lambda/backup/errors';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

describe('grantFor', () => {
  test.each([
    ['user backup does not have BACKUP system privilege', 'GRANT SYSTEM BACKUP TO backup'],
    ['only users with the EXTERNALCONNECTION system privilege are allowed to CREATE EXTERNAL CONNECTION', 'GRANT SYSTEM EXTERNALCONNECTION TO backup'],
    ['must have VIEWCLUSTERMETADATA privilege or be owner of the External Connection "prod"', 'GRANT SYSTEM VIEWCLUSTERMETADATA TO backup'],
  ])('names the privilege of "%s"', (message, grant) => {
    expect(grantFor(message, 'backup')).toBe(grant);
  });
});

describe('describeStatementFailure', () => {
  test('explains a client-side statement timeout', () => {
    expect(describeStatementFailure(new Error('Query read timeout'), 'reading backup job 1', 'backup', 2000).message).toBe(
      'reading backup job 1 did not complete within 2000 ms (statement timeout)',
    );
  });

  test('quotes the SQLSTATE of other failures, redacted', () => {
    const error = Object.assign(new Error("unknown S3 query parameters: AWS_SECRET_ACCESS_KEY=abc/def"), { code: '22023' });
    expect(describeStatementFailure(error, 'the full backup statement', 'backup', 2000).message).toBe(
      'the full backup statement failed: 22023: unknown S3 query parameters: AWS_SECRET_ACCESS_KEY=redacted',
    );
  });
});
