import { Fixture, OPERATOR, ROOT, sqlError, startFixture } from '../support/helpers/fixture';
import { clientCertificate } from '../support/wire/certificates';

/**
 * Certificate logins, as a secure CockroachDB node takes them with its default HBA method
 * `cert-password` (pkg/sql/pgwire/hba_conf.go): a client certificate signed by the cluster's
 * CA for the requested user logs in without a password; without a certificate the password
 * decides.
 */
describe('the double takes certificate logins like a secure CockroachDB node', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f.close();
  });

  const withCertificate = (certificate: { certificate: string; privateKey: string }) => ({
    ssl: { ca: f.double.caCertificate, rejectUnauthorized: true, cert: certificate.certificate, key: certificate.privateKey },
  });

  test("logs in with the user's certificate and no password", async () => {
    const client = await f.connect({ name: OPERATOR.name, password: '' }, withCertificate(f.double.clientCertificate(OPERATOR.name)));
    await client.query('SHOW JOBS');
    expect(f.double.statements.at(-1)).toMatchObject({ user: OPERATOR.name, text: 'SHOW JOBS' });
  });

  test("refuses another user's certificate with 28000, whatever the password", async () => {
    const error = await sqlError(f.connect(ROOT, withCertificate(f.double.clientCertificate(OPERATOR.name))));
    expect([error.code, error.message]).toEqual(['28000', 'certificate authentication failed for user root']);
  });

  test('refuses a certificate another CA signed', async () => {
    const error = await sqlError(f.connect({ name: OPERATOR.name, password: '' }, withCertificate(clientCertificate('Some Other CA', OPERATOR.name))));
    expect(error.code).toBe('28000');
  });

  test('still takes the password without a certificate', async () => {
    const client = await f.connect(OPERATOR);
    await client.query('SHOW JOBS');
    expect(f.double.statements.at(-1)).toMatchObject({ user: OPERATOR.name, text: 'SHOW JOBS' });
  });
});
