import { Budget } from './budget';
import { BackupSettings } from './config';
import { isAuthenticationFailure } from './errors';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { RunStats } from '../report/result';
import { ConnectionSecret, Credentials, SecretSource } from './secrets';
import { Session, sessionOptions } from './session';

/** What opening a run's connection needs. */
export interface SessionInput {
  readonly settings: BackupSettings;
  readonly secrets: SecretSource;
  readonly budget: Budget;
}

/**
 * Reads the access key (every run: it follows a rotation at once; not in keyless modes,
 * which have none) with the connection secret (cached), then connects; after an authentication failure with a cached
 * connection secret, fetches it again once (a rotated password). A run that cannot read
 * either secret opens no connection.
 */
async function connect(input: SessionInput, readAccessKey: boolean): Promise<{ session: Session; credentials: Credentials }> {
  const options = sessionOptions(input.settings, input.budget);
  // The follow function never reads the access key, and keyless modes have none.
  const usesKey = readAccessKey && input.settings.storageAuth.mode === 'access-key';
  const [accessKey, first] = await Promise.all([usesKey ? input.secrets.accessKey() : undefined, input.secrets.connection(false)]);
  const open = async (connection: ConnectionSecret): Promise<{ session: Session; credentials: Credentials }> => ({
    session: await Session.open(connection, options),
    credentials: { connection, accessKey },
  });
  try {
    return await open(first.connection);
  } catch (error) {
    if (!isAuthenticationFailure(error)) throw error;
    if (first.fresh) return duringPasswordRotation(input, first.connection, error, open);
    log('WARN', 'authentication failed with the cached connection secret: fetching it again (rotated password?)');
    const again = await input.secrets.connection(true);
    try {
      return await open(again.connection);
    } catch (refused) {
      if (!isAuthenticationFailure(refused)) throw refused;
      return duringPasswordRotation(input, again.connection, refused, open);
    }
  }
}

/**
 * With PASSWORD_ROTATION: AWSCURRENT's password was refused although just read, so a rotation
 * may be between its setSecret (the cluster already wants the new password: CockroachDB keeps
 * one password per user, pkg/sql/alter_role.go) and its finishSecret (AWSCURRENT still holds
 * the old one). That window lasts one testSecret, seconds; a run that falls into it logs in once
 * with the AWSPENDING version instead of failing. Otherwise (no rotation, no pending version, or
 * the same password) the refusal stands.
 */
async function duringPasswordRotation<T>(input: SessionInput, current: ConnectionSecret, refusal: unknown, open: (connection: ConnectionSecret) => Promise<T>): Promise<T> {
  if (!input.settings.passwordRotation) throw refusal;
  const pending = await input.secrets.pendingConnection();
  if (pending === undefined || pending.password === current.password) throw refusal;
  log('WARN', 'authentication failed with the current connection secret: logging in with its AWSPENDING version (a password rotation is between setSecret and finishSecret)');
  return open(pending);
}


export interface SessionOptions {
  /**
   * Whether the work needs the access key (every statement that names storage does): the
   * follow check does not, and its function may not even read that secret.
   */
  readonly accessKey: boolean;
}

/** Stands for the access key a session without storage statements never reads: nothing can use it. */

/** What a run's work gave, or why it could not finish, and what the run cost. */
export interface SessionOutcome<T> {
  readonly value?: T;
  /** Set when connecting, preparing the target or the work threw (redacted). */
  readonly error?: string;
  readonly stats: RunStats;
}

/**
 * The connection of every run kind: connects (above), runs `work` with the secrets read and
 * always closes the connection. Never throws: the failure is returned, redacted, with what
 * the run cost (SQL round trips, secret fetches).
 */
export async function withRunSession<T>(
  input: SessionInput,
  work: (session: Session, credentials: Credentials) => Promise<T>,
  options: SessionOptions = { accessKey: true },
): Promise<SessionOutcome<T>> {
  const fetchesBefore = input.secrets.fetchCount;
  let session: Session | undefined;
  let value: T | undefined;
  let error: string | undefined;
  try {
    const opened = await connect(input, options.accessKey);
    session = opened.session;
    value = await work(session, opened.credentials);
  } catch (caught) {
    error = redactedMessage(caught);
  } finally {
    await session?.close();
  }
  return { value, error, stats: { sqlRoundTrips: session?.roundTrips ?? 0, secretFetches: input.secrets.fetchCount - fetchesBefore } };
}
