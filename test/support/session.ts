import { Job } from './jobs/job';
import { ALLOW_UNSAFE_INTERNALS } from './sql/unsafe-internals';
import { VersionFacts } from './versions';

/** Per-connection state: who is logged in, the transaction, session variables. */
export interface Session {
  readonly user: string;
  /** idle: no BEGIN; open: in a transaction block; failed: an error occurred in it. */
  transaction: 'idle' | 'open' | 'failed';
  /** Jobs created inside the open transaction: they start only at COMMIT. */
  readonly pendingJobs: Job[];
  readonly settings: Map<string, string>;
}

export function newSession(user: string, startupParameters: ReadonlyMap<string, string>, facts: VersionFacts): Session {
  const settings = new Map<string, string>([
    ['application_name', ''],
    ['statement_timeout', '0'],
    ['database', 'defaultdb'],
  ]);
  if (facts.allowUnsafeInternalsDefault !== undefined) settings.set(ALLOW_UNSAFE_INTERNALS, facts.allowUnsafeInternalsDefault);
  for (const [name, value] of startupParameters) {
    if (name !== 'user' && name !== 'options') settings.set(name, value);
  }
  // `options=-c name=value ...` (libpq style), which CockroachDB also honours.
  for (const match of (startupParameters.get('options') ?? '').matchAll(/-c\s*([A-Za-z_.]+)=(\S+)/g)) {
    settings.set(match[1].toLowerCase(), match[2]);
  }
  return { user, transaction: 'idle', pendingJobs: [], settings };
}
