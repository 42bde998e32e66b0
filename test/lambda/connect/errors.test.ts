import { credentialAdvice, describeStatementFailure, privilegeToGrant } from '../../../lambda/backup/connect/errors';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

const refusal = (message: string, hint?: string): Error => Object.assign(new Error(message), { code: '42501', hint });

describe('privilegeToGrant', () => {
  test.each([
    ['only users with the admin role or the BACKUP system privilege are allowed to perform full cluster backups: user backup does not have BACKUP system privilege', 'BACKUP'],
    ['only users with the EXTERNALCONNECTION system privilege are allowed to CREATE EXTERNAL CONNECTION', 'EXTERNALCONNECTION'],
    ['must have VIEWCLUSTERMETADATA privilege or be owner of the External Connection "prod"', 'VIEWCLUSTERMETADATA'],
    ['only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI', 'EXTERNALIOIMPLICITACCESS'],
    // A restore drill's refusals, for a user with neither RESTORE nor (23.x) CREATEDB.
    ['only users with the admin role or the RESTORE system privilege are allowed to perform a cluster restore', 'RESTORE'],
    ['only users with the CREATEDB privilege can restore databases', 'RESTORE'],
  ])('names the privilege of "%s"', (message, privilege) => {
    expect(privilegeToGrant(message)).toBe(privilege);
  });

  test.each([
    'Access to crdb_internal and system is restricted.',
    'user backup does not have privileges for job 1',
  ])('names none for "%s"', (message) => {
    expect(privilegeToGrant(message)).toBeUndefined();
  });
});

describe('describeStatementFailure on a refusal (42501)', () => {
  test('says which GRANT fixes a missing BACKUP privilege', () => {
    const error = refusal('only users with the admin role or the BACKUP system privilege are allowed to perform full cluster backups: user backup does not have BACKUP system privilege');
    expect(describeStatementFailure(error, 'the full backup statement', 'backup', 2000).message).toMatch(
      /^the full backup statement was refused: user backup lacks a privilege \(.*\); run GRANT SYSTEM BACKUP TO backup$/,
    );
  });

  test('says EXTERNALIOIMPLICITACCESS for a URI with AWS_ENDPOINT, not BACKUP', () => {
    const error = refusal('only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI');
    const message = describeStatementFailure(error, 'the full backup statement', 'backup', 2000).message;
    expect(message).toMatch(/; run GRANT SYSTEM EXTERNALIOIMPLICITACCESS TO backup$/);
    expect(message).not.toContain('GRANT SYSTEM BACKUP');
  });

  test("quotes CockroachDB's message and hint and recommends no GRANT for the internals gate", () => {
    const error = refusal('Access to crdb_internal and system is restricted.', 'set allow_unsafe_internals = on (not recommended)');
    const message = describeStatementFailure(error, 'reading something', 'backup', 2000).message;
    expect(message).toContain('42501: Access to crdb_internal and system is restricted.');
    expect(message).toContain("CockroachDB's hint: set allow_unsafe_internals = on (not recommended)");
    expect(message).toContain('no GRANT is recommended');
    expect(message).not.toMatch(/run GRANT/);
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

describe('advice for keyless credential failures', () => {
  test('a missing EXTERNALIOIMPLICITACCESS is fixed by its GRANT', () => {
    const refusal = Object.assign(new Error('only users with the admin role or the EXTERNALIOIMPLICITACCESS system privilege are allowed to access the specified s3 URI'), { code: '42501' });
    expect(describeStatementFailure(refusal, 'the backup statement', 'backup', 1000).message).toContain('run GRANT SYSTEM EXTERNALIOIMPLICITACCESS TO backup');
  });

  test('an STS refusal names the role to trust, the caller as a role ARN, and the external id', () => {
    const advice = credentialAdvice(
      'AccessDenied: User: arn:aws:sts::123456789012:assumed-role/crl-dr-store-user-0123456789ab/s1 is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/backup',
    );
    expect(advice).toContain('The trust policy of arn:aws:iam::210987654321:role/backup must allow sts:AssumeRole for arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab');
    expect(advice).toContain('sts:ExternalId');
    expect(advice).toContain('crl-dr-store-user-<last 12 characters of the cluster id>');
  });

  test('missing node credentials say how to give the nodes an identity', () => {
    expect(credentialAdvice('NoCredentialProviders: no valid providers in chain')).toContain('instance profile');
    expect(credentialAdvice('NoCredentialProviders: no valid providers in chain')).toContain('eks.amazonaws.com/role-arn');
  });

  test('a statement failing on an STS refusal carries the advice', () => {
    const error = new Error('failed to list s3 bucket: AccessDenied: User: arn:aws:sts::1:assumed-role/n/s is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/b');
    expect(describeStatementFailure(error, 'reading the collection', 'backup', 1000).message).toContain('STS refused to let');
  });

  test('no advice for errors that are not credential failures', () => {
    expect(credentialAdvice('previous BACKUP belongs to cluster 1')).toBeUndefined();
  });
});
