import { Budget } from './budget';
import { BackupSettings } from './config';
import { isAuthenticationFailure } from './errors';
import { log } from '../report/log';
import { redactedMessage } from '../report/redact';
import { RunStats } from '../report/result';
import { Credentials, SecretSource } from './secrets';
import { Session } from './session';

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
  const options = {
    tlsVerify: input.settings.tlsVerify,
    connectTimeoutMs: input.settings.connectTimeoutMs,
    statementTimeoutMs: input.settings.statementTimeoutMs,
    budget: input.budget,
  };
  // The follow function never reads the access key, and keyless modes have none.
  const usesKey = readAccessKey && input.settings.storageAuth.mode === 'access-key';
  const [accessKey, first] = await Promise.all([usesKey ? input.secrets.accessKey() : undefined, input.secrets.connection(false)]);
  try {
    return { session: await Session.open(first.connection, options), credentials: { connection: first.connection, accessKey } };
  } catch (error) {
    if (first.fresh || !isAuthenticationFailure(error)) throw error;
    log('WARN', 'authentication failed with the cached connection secret: fetching it again (rotated password?)');
    const again = await input.secrets.connection(true);
    return { session: await Session.open(again.connection, options), credentials: { connection: again.connection, accessKey } };
  }
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
