import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV } from '../../../contract/environment';
import { Budget } from '../connect/budget';
import { parseConnectionUrl, URL_FORM } from './cli';
import { ConfigurationError, Environment, parseSettings } from '../connect/config';
import { redact, redactedMessage } from '../report/redact';
import { buildRestoreStatement, sqlTimestamp } from '../drill/restore-statement';
import { parseAccessKeySecret } from '../connect/secrets';
import { pasteableStatements } from './pasteable';
import { readSecretString } from '../connect/secrets-manager';
import { Session, sessionOptions } from '../connect/session';
import { AccessKey, backupTarget } from '../submit/storage';
import { readStoredChain } from '../observe/stored-chain';
import { chainNames, chainNameTime } from '../observe/chain-names';
import { pinChainView } from '../observe/chain-view';
import { parseSqlTimestamp } from '../observe/timestamp';

/**
 * The restore helper: prints the RESTORE statement for a point in time of the collection,
 * with the same builder the restore drills use (restore-statement.ts), so what a drill
 * proved restorable is what an operator runs. With --url it first reads the collection to
 * pick the chain that covers the time; only --execute sends the RESTORE.
 *   npx cockroach-backup-cdk restore --as-of '2026-11-20 14:04:59' --bucket my-backups --collection prod \
 *     --region eu-west-1 --database bank --new-name bank_before_mistake
 */
export const RESTORE_USAGE = `Usage: cockroach-backup-cdk restore --as-of <UTC time> --bucket <name> --collection <prefix> --region <aws-region>
  [--database <name> [--new-name <name>]] [--access-key-secret <secret ARN>] [--endpoint <url>]
  [--storage-auth access-key|implicit] [--assume-role <role ARN>[;external_id=<id>][,<role ARN>...]]
  [--url <${URL_FORM}> [--execute]] [--help]

--as-of is a UTC time such as '2026-11-20 14:04:59' or an ISO 8601 time with a zone.
Without --database the whole cluster is restored (into a cluster without user databases).
To restore from the off-site copy, give the copy's bucket and region as --bucket and --region
(same collection; the statements then name the copy) and a key that may read it
(docs/restore.md, "Restoring from the off-site copy").
The key CockroachDB reads the bucket with comes from the secret --access-key-secret names
({"accessKeyId","secretAccessKey"}: a read-only key, see docs/restore.md), or else from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. The secret key is never printed: statements name the
collection's URI as <collection URI>, and a comment gives the URI with the key to fill in.
With --storage-auth implicit (keyless modes, docs/credentials.md) no key is read: the cluster's
nodes use their own AWS identity (AUTH=implicit) and assume the --assume-role chain, the value
of the backup Lambda's ASSUME_ROLE_CHAIN variable; the SQL user needs EXTERNALIOIMPLICITACCESS.
With --url (the SQL password in PGPASSWORD, or a client certificate: sslcert and sslkey) the
collection is read first (SHOW BACKUPS IN, then SHOW BACKUP FROM '<chain>' IN for the chains
around the time) and the chain that covers the time is chosen; a time no chain covers is refused.
Without --url the statement names LATEST, unchecked.
--execute runs the statement (WITH DETACHED) and prints the job id.
Exit status: 0 when the statement was printed (and started), 1 otherwise.`;

const VALUE_FLAGS = {
  '--as-of': 'asOf',
  '--database': 'database',
  '--new-name': 'newName',
  '--access-key-secret': 'accessKeySecret',
  '--url': 'url',
  '--bucket': 'bucketName',
  '--collection': 'collection',
  '--region': 'bucketRegion',
  '--endpoint': 's3Endpoint',
  '--storage-auth': 'storageAuth',
  '--assume-role': 'assumeRoleChain',
} as const;
/** Time for connecting, reading the chains and submitting: the restore itself runs detached, as a job. */
const SESSION_BUDGET_MS = 15 * 60_000;

const SWITCHES = { '--execute': 'execute', '--help': 'help', '-h': 'help' } as const;

type ValueName = (typeof VALUE_FLAGS)[keyof typeof VALUE_FLAGS];
type SwitchName = (typeof SWITCHES)[keyof typeof SWITCHES];

export interface RestoreOptions {
  readonly values: Partial<Record<ValueName, string>>;
  readonly switches: ReadonlySet<SwitchName>;
}

export function parseRestoreArguments(argv: readonly string[]): RestoreOptions {
  const values: Partial<Record<ValueName, string>> = {};
  const switches = new Set<SwitchName>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg in SWITCHES) switches.add(SWITCHES[arg as keyof typeof SWITCHES]);
    else if (arg in VALUE_FLAGS) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigurationError(`${arg} needs a value`);
      values[VALUE_FLAGS[arg as keyof typeof VALUE_FLAGS]] = value;
      i += 1;
    } else throw new ConfigurationError(`unknown argument '${arg}'`);
  }
  return { values, switches };
}

/** A UTC time as SHOW BACKUP prints it (`2026-11-20 14:04:59[.ffffff]`), or ISO 8601 with a zone. */
export function parseAsOf(text: string | undefined): Date {
  if (text === undefined) throw new ConfigurationError("--as-of is missing: expected a UTC time such as '2026-11-20 14:04:59'");
  const at = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([zZ]|[+-]\d{2}(:?\d{2})?)?$/.test(text.trim())
    ? parseSqlTimestamp(text.trim())
    : new Date(NaN);
  if (Number.isNaN(at.getTime())) {
    throw new ConfigurationError(`--as-of is '${text}': expected a UTC time such as '2026-11-20 14:04:59' or an ISO 8601 time with a zone`);
  }
  return at;
}

/** One chain of the collection as storage shows it: named by its full backup's subdirectory. */
export interface ChainRange {
  readonly subdirectory: string;
  /** End time of the full backup: the earliest time this helper restores the chain to. */
  readonly fullEnd: Date;
  /** End time of the newest layer. */
  readonly newestEnd: Date;
}

/** A time the collection cannot be restored to: the message names the ranges it can. */
export class NotCoveredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotCoveredError';
  }
}

function describeRanges(chains: readonly ChainRange[]): string {
  if (chains.length === 0) return 'the collection holds no completed backup';
  const sorted = [...chains].sort((a, b) => a.fullEnd.getTime() - b.fullEnd.getTime());
  return `the nearest chains cover: ${sorted.map((c) => `${c.subdirectory} from ${sqlTimestamp(c.fullEnd)} to ${sqlTimestamp(c.newestEnd)}`).join('; ')}`;
}

/**
 * The chain to restore `asOf` from: with revision history, one whose full backup ended at or
 * before it and whose newest layer ended at or after it (the newest such chain); without,
 * only a chain's newest end can be restored this way (restored without AS OF SYSTEM TIME).
 * Times before a full backup's end may still be within the GC window of a revision-history
 * full backup; this helper does not offer them, since it cannot know that window.
 */
export function chooseChain(chains: readonly ChainRange[], asOf: Date, revisionHistory: boolean): { chain: ChainRange; asOf?: Date } {
  const at = asOf.getTime();
  const covering = chains.filter((c) =>
    revisionHistory ? c.fullEnd.getTime() <= at && at <= c.newestEnd.getTime() : c.newestEnd.getTime() === at,
  );
  const chain = covering.sort((a, b) => b.fullEnd.getTime() - a.fullEnd.getTime())[0];
  if (chain === undefined) {
    const why = revisionHistory
      ? 'no chain covers it'
      : 'without revision history only a chain\'s newest end time can be restored here (for another layer\'s end see docs/restore.md, section 7)';
    throw new NotCoveredError(`cannot restore as of ${sqlTimestamp(asOf)}: ${why}; ${describeRanges(chains)}`);
  }
  return revisionHistory ? { chain, asOf } : { chain };
}

/**
 * The chains that decide `asOf`, read from storage: `SHOW BACKUPS IN`, then `SHOW BACKUP FROM
 * '<chain>' IN` (the cluster reads every layer's manifest from S3) only for the chains that can
 * matter, not for the whole collection. Newest first among the chains whose name is not after
 * the time, until one covers it or ended before it (older chains ended earlier still); when
 * none covers it, also the first chain after it, so that a refusal names the ranges on both
 * sides. Chains whose name cannot be read are read too.
 */
export async function readChains(session: Session, target: string, asOf: Date): Promise<ChainRange[]> {
  // The Lambda's chain view and chain read (chain-view.ts, stored-chain.ts): with
  // use_backups_with_ids on (26.2+), SHOW BACKUPS would list ids, not paths.
  await pinChainView(session);
  const paths = await chainNames(session, target);
  const read = async (path: string): Promise<ChainRange | undefined> => {
    const layers = await readStoredChain(session, target, path);
    return layers === undefined ? undefined : { subdirectory: path, fullEnd: layers.fullEnd, newestEnd: layers.newestEnd };
  };
  const at = asOf.getTime();
  const covers = (c: ChainRange) => c.fullEnd.getTime() <= at && at <= c.newestEnd.getTime();
  const named = paths.map((path) => ({ path, time: chainNameTime(path)?.getTime() }));
  const unnamed = named.filter((c) => c.time === undefined);
  const before = named.filter((c) => c.time !== undefined && c.time <= at).sort((a, b) => b.time! - a.time!);
  const chains: ChainRange[] = [];
  for (const candidate of [...unnamed, ...before]) {
    const chain = await read(candidate.path);
    if (chain === undefined) continue;
    chains.push(chain);
    if (covers(chain)) break;
    // A named chain that ended before the time: every older one ended earlier still.
    if (candidate.time !== undefined && chain.newestEnd.getTime() < at) break;
  }
  if (!chains.some(covers)) {
    const after = named.filter((c) => c.time !== undefined && c.time > at).sort((a, b) => a.time! - b.time!)[0];
    const next = after === undefined ? undefined : await read(after.path);
    if (next !== undefined) chains.push(next);
  }
  return chains;
}

/** The access key from the secret --access-key-secret names (its region from the ARN), or from the environment. */
async function readAccessKey(secretArn: string | undefined, env: Environment): Promise<AccessKey> {
  if (secretArn === undefined) {
    const text = JSON.stringify({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY });
    return parseAccessKeySecret(text, 'the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; or pass --access-key-secret)');
  }
  const region = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/.exec(secretArn)?.[1];
  if (region === undefined) throw new ConfigurationError(`--access-key-secret is '${secretArn}': expected the ARN of a Secrets Manager secret`);
  // A ConfigurationError, as every problem with the helper's own inputs (the usage follows it).
  const text = await readSecretString(new SecretsManagerClient({ region }), secretArn, 'access-key secret').catch((error: Error) => {
    throw new ConfigurationError(error.message);
  });
  return parseAccessKeySecret(text, `the access-key secret ${secretArn}`);
}

export async function main(argv: readonly string[], env: Environment, print: (line: string) => void = console.log): Promise<number> {
  const say = (line: string) => print(redact(line));
  try {
    const options = parseRestoreArguments(argv);
    if (options.switches.has('help')) {
      print(RESTORE_USAGE);
      return 0;
    }
    const { asOf: asOfText, database, newName, accessKeySecret, url, ...storageFlags } = options.values;
    const asOf = parseAsOf(asOfText);
    if (newName !== undefined && database === undefined) throw new ConfigurationError('--new-name needs --database: a whole cluster is restored under its own names');
    const execute = options.switches.has('execute');
    if (execute && url === undefined) throw new ConfigurationError('--execute needs --url: the cluster to restore into');
    const overlay: Record<string, string | undefined> = { ...env };
    for (const [key, value] of Object.entries(storageFlags)) overlay[ENV[key as keyof typeof ENV]] = value;
    const labels = Object.fromEntries(Object.entries(VALUE_FLAGS).map(([flag, key]) => [key, flag]));
    const settings = parseSettings(overlay, labels);
    if (settings.storageAuth.mode === 'implicit' && accessKeySecret !== undefined) {
      throw new ConfigurationError('--access-key-secret is set with --storage-auth implicit: expected one of them (the nodes use their own identity, no key)');
    }
    const key = settings.storageAuth.mode === 'access-key' ? await readAccessKey(accessKeySecret, env) : undefined;
    const source = backupTarget(settings, key);
    const keyOrigin = accessKeySecret === undefined ? 'AWS_SECRET_ACCESS_KEY' : `the secretAccessKey field of ${accessKeySecret}`;
    const printStatement = (statement: string) => pasteableStatements([`${statement};`], source, keyOrigin).forEach(say);
    const statementFor = (subdirectory: string | undefined, at: Date | undefined) =>
      buildRestoreStatement({ database, source, subdirectory, asOf: at, newDatabaseName: newName, mode: 'restore', detached: true });

    if (url === undefined) {
      say(`-- Not checked against the collection (no --url): LATEST may not cover ${sqlTimestamp(asOf)}.`);
      printStatement(statementFor(undefined, asOf));
      return 0;
    }
    const session = await Session.open(parseConnectionUrl(url, env.PGPASSWORD ?? '', settings.tlsVerify), sessionOptions(settings, Budget.fromNow(SESSION_BUDGET_MS)));
    try {
      const chosen = chooseChain(await readChains(session, source, asOf), asOf, settings.revisionHistory);
      say(`-- Chain ${chosen.chain.subdirectory} covers ${sqlTimestamp(chosen.chain.fullEnd)} to ${sqlTimestamp(chosen.chain.newestEnd)} (UTC).`);
      const statement = statementFor(chosen.chain.subdirectory, chosen.asOf);
      printStatement(statement);
      if (execute) {
        const [row] = await session.query<{ job_id: string }>('the RESTORE statement', statement);
        say(`-- Restore job ${row?.job_id} started; follow it with: SHOW JOB WHEN COMPLETE ${row?.job_id};`);
      }
      return 0;
    } finally {
      await session.close();
    }
  } catch (error) {
    // The usage helps with a wrong argument, not with a refused time or an unreachable cluster.
    say(`error: ${redactedMessage(error)}${error instanceof ConfigurationError ? `\n\n${RESTORE_USAGE}` : ''}`);
    return 1;
  }
}

