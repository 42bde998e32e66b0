import { connect, ProcedureInput } from './procedure';
import { redactedMessage } from './redact';
import { RunStats } from './result';
import { Session } from './session';
import { prepareTarget } from './target';

/** What a run's work gave, or why it could not finish, and what the run cost. */
export interface SessionOutcome<T> {
  readonly value?: T;
  /** Set when connecting, preparing the target or the work threw (redacted). */
  readonly error?: string;
  readonly stats: RunStats;
}

/**
 * Connects as a backup run does (cached secrets, one refetch after an authentication
 * failure), prepares the target (the external connection when used), runs `work` and
 * always closes the connection. Never throws: the failure is returned, redacted.
 */
export async function withRunSession<T>(
  input: Pick<ProcedureInput, 'settings' | 'secrets' | 'budget'>,
  work: (session: Session, target: string) => Promise<T>,
): Promise<SessionOutcome<T>> {
  const fetchesBefore = input.secrets.fetchCount;
  let session: Session | undefined;
  let value: T | undefined;
  let error: string | undefined;
  try {
    const opened = await connect(input);
    session = opened.session;
    value = await work(session, await prepareTarget(session, input.settings, opened.credentials.accessKey));
  } catch (caught) {
    error = redactedMessage(caught);
  } finally {
    await session?.close();
  }
  return { value, error, stats: { sqlRoundTrips: session?.roundTrips ?? 0, secretFetches: input.secrets.fetchCount - fetchesBefore } };
}
