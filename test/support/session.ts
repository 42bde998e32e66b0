import { Job } from './jobs/job';
import { SqlError, SqlState } from './sql/sql-error';
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
  /** The statement running now; statement_timeout marks it canceled so that long work stops. */
  statement: { canceled: boolean };
}

/**
 * use_backups_with_ids (pkg/sql/vars.go, preview from 26.2, default off): on, SHOW BACKUP FROM
 * LATEST shows the newest backup alone and SHOW BACKUPS lists backup ids (backup-listing.ts).
 */
export const USE_BACKUPS_WITH_IDS = 'use_backups_with_ids';

/**
 * A new session: the version's defaults, then the user's role defaults (`ALTER ROLE <u> SET
 * <var> = <value>`, stored in system.database_role_settings and applied at login:
 * pkg/sql/pgwire, sessiondata defaults), then the client's startup parameters, which win.
 */
export function newSession(user: string, startupParameters: ReadonlyMap<string, string>, facts: VersionFacts, roleDefaults: ReadonlyMap<string, string> = new Map()): Session {
  const settings = new Map<string, string>([
    ['application_name', ''],
    ['statement_timeout', '0'],
    ['database', 'defaultdb'],
  ]);
  if (facts.allowUnsafeInternalsDefault !== undefined) settings.set(ALLOW_UNSAFE_INTERNALS, facts.allowUnsafeInternalsDefault);
  if (facts.useBackupsWithIds) settings.set(USE_BACKUPS_WITH_IDS, 'off');
  const session: Session = { user, transaction: 'idle', pendingJobs: [], settings, statement: { canceled: false } };
  for (const [name, value] of roleDefaults) setSessionVariable(session, name, value);
  const startupSettings = [...startupParameters].filter(([name]) => name !== 'user' && name !== 'options');
  // `options=-c name=value ...` (libpq style), which CockroachDB also honours.
  for (const match of (startupParameters.get('options') ?? '').matchAll(/-c\s*([A-Za-z_.]+)=(\S+)/g)) {
    startupSettings.push([match[1].toLowerCase(), match[2]]);
  }
  for (const [name, value] of startupSettings) {
    try {
      setSessionVariable(session, name, value);
    } catch {
      // CockroachDB refuses the connection; the double, without that error path, ignores the setting.
    }
  }
  return session;
}

/**
 * Variables that exist only on some versions: setting one the session lacks is refused
 * like any variable the version does not have (pkg/sql/vars.go).
 */
const VERSIONED_VARIABLES: readonly string[] = [ALLOW_UNSAFE_INTERNALS, USE_BACKUPS_WITH_IDS];
/** Boolean variables, kept as CockroachDB shows them: 'on' or 'off'. */
const BOOLEAN_VARIABLES: readonly string[] = [ALLOW_UNSAFE_INTERNALS, USE_BACKUPS_WITH_IDS];

/** SET name = value, or the same as a startup parameter; other variables are stored as given. */
export function setSessionVariable(session: Session, name: string, value: string): void {
  if (VERSIONED_VARIABLES.includes(name) && !session.settings.has(name)) {
    throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${name}"`);
  }
  session.settings.set(name, BOOLEAN_VARIABLES.includes(name) ? booleanSetting(name, value) : value);
}

function booleanSetting(name: string, text: string): 'on' | 'off' {
  if (/^(on|true|yes|t|1)$/i.test(text)) return 'on';
  if (/^(off|false|no|f|0)$/i.test(text)) return 'off';
  throw new SqlError(SqlState.invalidParameterValue, `parameter "${name}" requires a Boolean value`);
}
