import { Client } from 'pg';
import { Fixture, ROOT, sqlError, startFixture } from '../support/helpers/fixture';

/**
 * A user changing its own password, as pkg/sql/alter_role.go decides it
 * (test/support/sql/roles.ts cites each rule): allowed without any privilege only with
 * sql.auth.change_own_password.enabled on (default off, the same on every supported version),
 * otherwise CREATEROLE and CREATELOGIN are needed; the password may be a placeholder; the new
 * SCRAM verifier admits the new password and refuses the old one at the next login, while
 * sessions already open go on.
 */
const BACKUP_USER = { name: 'backup', password: 'old-password-0001', systemPrivileges: ['BACKUP'] as const };
const NEW_PASSWORD = 'new-password-0002';

describe.each(['23.1', '26.3'] as const)('changing a password on %s', (version) => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture({ version, users: [ROOT, { ...BACKUP_USER, systemPrivileges: [...BACKUP_USER.systemPrivileges] }] });
  });
  afterEach(async () => {
    await f.close();
  });

  test('is refused to a user without CREATEROLE while the setting is off (the default), naming the privilege', async () => {
    const client = await f.connect(BACKUP_USER);
    const error = await sqlError(client.query('ALTER USER CURRENT_USER WITH PASSWORD $1', [NEW_PASSWORD]));
    expect([error.code, error.message]).toEqual(['42501', 'user backup does not have CREATEROLE privilege']);
    // The old password still logs in.
    await expect(f.connect(BACKUP_USER)).resolves.toBeInstanceOf(Client);
  });

  test('with the setting on, a user changes its own password by placeholder: the new one logs in, the old one no longer does', async () => {
    const root = await f.connect(ROOT);
    await root.query('SET CLUSTER SETTING sql.auth.change_own_password.enabled = true');
    const client = await f.connect(BACKUP_USER);
    const result = await client.query('ALTER USER CURRENT_USER WITH PASSWORD $1', [NEW_PASSWORD]);
    expect(result.command).toBe('ALTER');
    const refused = await sqlError(f.connect(BACKUP_USER));
    expect([refused.code, refused.message]).toEqual(['28P01', 'password authentication failed for user backup']);
    await expect(f.connect({ name: 'backup', password: NEW_PASSWORD })).resolves.toBeInstanceOf(Client);
    // The session that changed it goes on.
    expect((await client.query('SELECT 1')).rows).toEqual([{ '?column?': '1' }]);
  });

  test('the setting covers only the own password: another user, NULL, or the role by name of someone else stay refused', async () => {
    f.double.addUser({ name: 'other', password: 'other-password' });
    f.double.allowChangingOwnPassword(true);
    const client = await f.connect(BACKUP_USER);
    expect((await sqlError(client.query('ALTER ROLE other WITH PASSWORD $1', [NEW_PASSWORD]))).message).toBe('user backup does not have CREATEROLE privilege');
    expect((await sqlError(client.query('ALTER USER backup WITH PASSWORD NULL'))).message).toBe('user backup does not have CREATEROLE privilege');
    // By name, not CURRENT_USER: still the own password.
    await client.query(`ALTER ROLE backup WITH PASSWORD '${NEW_PASSWORD}'`);
    await expect(f.connect({ name: 'backup', password: NEW_PASSWORD })).resolves.toBeInstanceOf(Client);
  });

  test('CREATEROLE alone is not enough for a password: CREATELOGIN is checked next', async () => {
    f.double.addUser({ name: 'manager', password: 'manager-password', roleOptions: ['CREATEROLE'] });
    const client = await f.connect({ name: 'manager', password: 'manager-password' });
    expect((await sqlError(client.query('ALTER USER backup WITH PASSWORD $1', [NEW_PASSWORD]))).message).toBe('user manager does not have CREATELOGIN privilege');
    f.double.addUser({ name: 'manager2', password: 'manager-password', roleOptions: ['CREATEROLE', 'CREATELOGIN'] });
    const both = await f.connect({ name: 'manager2', password: 'manager-password' });
    await both.query('ALTER USER backup WITH PASSWORD $1', [NEW_PASSWORD]);
    await expect(f.connect({ name: 'backup', password: NEW_PASSWORD })).resolves.toBeInstanceOf(Client);
  });

  test('only an admin sets the cluster setting; a role name cannot be a placeholder; the admin role cannot be edited', async () => {
    const client = await f.connect(BACKUP_USER);
    const refused = await sqlError(client.query('SET CLUSTER SETTING sql.auth.change_own_password.enabled = true'));
    expect(refused.code).toBe('42501');
    expect((await sqlError(client.query('ALTER USER $1 WITH PASSWORD $2', ['backup', NEW_PASSWORD]))).code).toBe('42601');
    const root = await f.connect(ROOT);
    expect((await sqlError(root.query('ALTER ROLE admin WITH PASSWORD $1', [NEW_PASSWORD]))).message).toBe('cannot edit admin role');
    expect((await sqlError(root.query('ALTER ROLE nobody WITH PASSWORD $1', [NEW_PASSWORD]))).message).toBe('role/user "nobody" does not exist');
  });
});
