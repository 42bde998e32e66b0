import { BackupFailure, isAuthenticationFailure } from '../backup/connect/errors';
import { ConnectionSecret, SecretError } from '../backup/connect/secrets';
import { Session } from '../backup/connect/session';
import { ConnectionSecretValue, sameConnection, withPassword } from './connection-secret-versions';
import { RotationError } from './errors';
import { CURRENT, PENDING, RotatedSecret, SecretState, StoredValue, versionWith } from './rotated-secret';
import { StepHandlers, StepReport } from './step-runner';

/** What the password's steps work with: the connection secret, a way to log in, a password source. */
export interface PasswordServices {
  readonly secret: RotatedSecret<ConnectionSecretValue>;
  /** Opens a session with these credentials (TLS and timeouts as the backup Lambda's); throws a BackupFailure. */
  readonly connect: (connection: ConnectionSecret) => Promise<Session>;
  readonly newPassword: () => string;
}

/** What a step did to the password, for the summary line: the SQL user, never a password. */
export interface PasswordStepReport extends StepReport {
  readonly username?: string;
}

/**
 * The statement: the session's own user (CURRENT_USER, a role_spec since v21.2,
 * cockroachdb/cockroach#71498, so no name is quoted or mistaken) and the password as a bind
 * parameter (`password_clause: PASSWORD string_or_placeholder`, pkg/sql/parser/sql.y; evaluated at
 * execution, pkg/sql/alter_role.go), so it is never part of the statement's text. CockroachDB
 * prints a role option's password as '*****' wherever it formats a statement (KVOptions
 * formatAsRoleOptions, pkg/sql/sem/tree) in any case.
 */
export const CHANGE_OWN_PASSWORD = 'ALTER USER CURRENT_USER WITH PASSWORD $1';

/** What the refusal means and what fixes it (pkg/sql/alter_role.go: the own password needs the setting, otherwise CREATEROLE and CREATELOGIN). */
function refusal(username: string, error: BackupFailure): RotationError {
  return new RotationError(
    `CockroachDB refused user ${username} to change its own password (42501: ${error.serverMessage ?? error.message}): ` +
      'an admin must run SET CLUSTER SETTING sql.auth.change_own_password.enabled = true (off by default; docs/password-rotation.md). ' +
      'The current password stays current and keeps working',
  );
}

async function required(secret: RotatedSecret<ConnectionSecretValue>, stage: string, token?: string): Promise<StoredValue<ConnectionSecretValue>> {
  const value = await secret.read(stage, token);
  if (value === undefined) {
    throw new RotationError(token === undefined ? `the connection secret has no ${stage} value` : `version ${token} holds no value: createSecret did not store one`);
  }
  return value;
}

/**
 * createSecret: a copy of AWSCURRENT with a new password, stored as the token's version staged
 * AWSPENDING. Idempotent: a value in the token's version means an earlier invocation stored it
 * (PutSecretValue with the same token and another value would be refused).
 */
async function createSecret(services: PasswordServices, token: string): Promise<PasswordStepReport> {
  const current = await required(services.secret, CURRENT);
  const username = current.value.connection.username;
  if ((await services.secret.read(PENDING, token)) !== undefined) return { acted: false, username, note: 'the pending password already exists' };
  await services.secret.putPending(token, withPassword(current.value, services.newPassword()));
  return { acted: true, username };
}

/**
 * setSecret: logs in with AWSCURRENT and changes the user's own password to the pending one.
 * When AWSCURRENT no longer logs in but the pending password does, an earlier invocation
 * changed it (Secrets Manager retries a step): nothing to do. The pending version must name the
 * same connection as AWSCURRENT (sameConnection), or finishSecret would undo an edit.
 */
async function setSecret(services: PasswordServices, token: string): Promise<PasswordStepReport> {
  const current = await required(services.secret, CURRENT);
  const pending = await required(services.secret, PENDING, token);
  const username = current.value.connection.username;
  if (!sameConnection(current.value, pending.value)) {
    throw new RotationError(
      'the connection secret was edited after createSecret (a field other than the password differs between AWSCURRENT and the pending version), ' +
        'and finishing would undo the edit: remove the AWSPENDING label from the pending version and rotate again (docs/password-rotation.md)',
    );
  }
  let session: Session;
  try {
    session = await services.connect(current.value.connection);
  } catch (error) {
    if (!isAuthenticationFailure(error)) throw error;
    const changed = await services.connect(pending.value.connection).catch((again: unknown) => {
      throw isAuthenticationFailure(again) ? new RotationError(`neither the current nor the pending password logs in user ${username}: ${(error as Error).message}`) : again;
    });
    await changed.close();
    return { acted: false, username, note: 'the pending password already logs in: an earlier setSecret changed it' };
  }
  try {
    await session.query('changing the password of the session user', CHANGE_OWN_PASSWORD, { values: [pending.value.connection.password] });
  } catch (error) {
    if (error instanceof BackupFailure && error.code === '42501') throw refusal(username, error);
    throw error;
  } finally {
    await session.close();
  }
  return { acted: true, username };
}

/** A version, or undefined when it holds no value or no complete connection secret (an empty host before it is filled in). */
async function readIfComplete(secret: RotatedSecret<ConnectionSecretValue>, stage: string, token?: string): Promise<StoredValue<ConnectionSecretValue> | undefined> {
  try {
    return await secret.read(stage, token);
  } catch (error) {
    if (error instanceof SecretError) return undefined;
    throw error;
  }
}

/**
 * testSecret: the pending password logs in and `SELECT 1` answers. A version without a new
 * password (no value, no complete secret, or AWSCURRENT's password) is not a rotation's:
 * Secrets Manager checks a rotation configuration by calling testSecret alone on a version of
 * its own (RotateSecret API, RotateImmediately false; the construct's schedule deploys so, when
 * the secret may still lack its host), which has nothing of ours to test. finishSecret refuses
 * such a version, so it can never become current.
 */
async function testSecret(services: PasswordServices, token: string): Promise<PasswordStepReport> {
  const pending = await readIfComplete(services.secret, PENDING, token);
  const current = await readIfComplete(services.secret, CURRENT);
  if (pending === undefined || pending.value.connection.password === current?.value.connection.password) {
    return { acted: false, note: 'the version holds no new password: nothing to test' };
  }
  const session = await services.connect(pending.value.connection);
  try {
    await session.query('testing the new password', 'SELECT 1');
  } finally {
    await session.close();
  }
  return { acted: true, username: pending.value.connection.username };
}

/**
 * finishSecret: AWSCURRENT moves to the token's version (AWSPREVIOUS then labels the old
 * password, which no longer logs in). Refused for a version without a new password, so that
 * a configuration check's version never becomes current.
 */
async function finishSecret(services: PasswordServices, state: SecretState, token: string): Promise<PasswordStepReport> {
  const pending = await required(services.secret, PENDING, token);
  const current = await required(services.secret, CURRENT);
  if (pending.value.connection.password === current.value.connection.password) {
    throw new RotationError(`version ${token} holds the current password, not a new one: createSecret did not store one`);
  }
  await services.secret.makeCurrent(token, versionWith(state, CURRENT));
  return { acted: true, username: pending.value.connection.username };
}

/** The password's four steps, for the step runner (step-runner.ts), which checks the token first. */
export function passwordSteps(services: PasswordServices): StepHandlers<PasswordStepReport> {
  return {
    createSecret: (_state, token) => createSecret(services, token),
    setSecret: (_state, token) => setSecret(services, token),
    testSecret: (_state, token) => testSecret(services, token),
    finishSecret: (state, token) => finishSecret(services, state, token),
  };
}
