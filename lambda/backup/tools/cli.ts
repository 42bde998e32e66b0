import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmFollowStore } from '../follow/follow-store';
import { readFileSync } from 'fs';
import { RunKind } from '../../../contract/backup-event';
import { ENV } from '../../../contract/environment';
import { Budget } from '../connect/budget';
import { BackupSettings, ConfigurationError, Environment, parseEvent, parseSettings } from '../connect/config';
import { DrillStateStore, MemoryDrillStateStore, SsmDrillStateStore } from '../drill/drill-state-store';
import { dryRunStatements } from './dry-run';
import { log } from '../report/log';
import { publishRun } from '../report/publish';
import { redact, redactedMessage, registerSecret } from '../report/redact';
import { runRequested } from '../run';
import { ConnectionSecret, Credentials, parseAccessKeySecret, SecretSource } from '../connect/secrets';
import { AccessKey, backupTarget } from '../submit/storage';
import { drillTarget } from '../drill/drill-location';
import { pasteableStatements } from './pasteable';

/** How --url looks, for messages and usages. */
export const URL_FORM = 'postgresql://user@host:26257/db?sslrootcert=ca.crt[&sslcert=client.user.crt&sslkey=client.user.key]';

/**
 * The local runner, `cockroach-backup-cdk backup` (operator-command.ts): the Lambda's procedure
 * against a cluster named by a connection string, with secrets from the environment instead
 * of Secrets Manager.
 *   npx cockroach-backup-cdk backup --url 'postgresql://backup@db.example.com:26257/defaultdb?sslrootcert=ca.pem' \
 *     --bucket my-backups --collection prod --region eu-west-1 --kind incremental
 */
export const USAGE = `Usage: cockroach-backup-cdk backup --url <${URL_FORM}>
  --bucket <name> --collection <prefix> --region <aws-region> [--endpoint <url>]
  --kind full|incremental|check-files|restore-drill [--verify] [--drill]
  [--dry-run] [--budget-seconds <n>] [--help]
  [--storage-mode uri|external-connection] [--external-connection-name <name>]
  [--storage-auth access-key|implicit] [--assume-role <arn>[;external_id=<id>][,<arn>...]]
  [--drill-copy-bucket <name> --drill-copy-region <aws-region>]

--verify is --kind check-files (SHOW BACKUP ... WITH check_files on the newest chain);
--drill is --kind restore-drill (RESTORE ... WITH schema_only, verify_backup_table_data
into crdb_backup_drill_* databases, then DROP DATABASE). With --drill-copy-bucket and
--drill-copy-region a drill reads the off-site copy instead (the Lambda's
${ENV.drillCopyBucketName} and ${ENV.drillCopyBucketRegion}): same collection, same credentials.
Secrets come from the environment: PGPASSWORD (the SQL user's password, unless --url names
a client certificate and its key with sslcert and sslkey), AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (the key CockroachDB writes the bucket with), except with
--storage-auth implicit: the nodes then use their own AWS identity (AUTH=implicit) and
assume the --assume-role chain, and no key is read.
Other settings use the Lambda's variables when set (${ENV.asOfSystemTimeSeconds},
${ENV.revisionHistory}, ${ENV.maxIncrementals}, ${ENV.autoRebaseline}, ${ENV.tlsVerify},
${ENV.fileCheckTimeoutSeconds}, ${ENV.drillDatabases}, ${ENV.drillStateParameter}, ...).
Without ${ENV.drillStateParameter} a drill's state is kept in memory: the runner waits for
its drills within --budget-seconds, and a drill still running then is not followed.
--dry-run prints the statements, the collection's URI as a placeholder, and connects to nothing.
Exit status: 0 when a backup was submitted or skipped, or a check or drill passed (or
still runs); 1 when the run failed.`;

const FLAGS = {
  '--url': 'url',
  '--bucket': 'bucketName',
  '--collection': 'collection',
  '--region': 'bucketRegion',
  '--endpoint': 's3Endpoint',
  '--kind': 'kind',
  '--budget-seconds': 'budgetSeconds',
  '--storage-mode': 'storageMode',
  '--external-connection-name': 'externalConnectionName',
  '--storage-auth': 'storageAuth',
  '--assume-role': 'assumeRoleChain',
  '--drill-copy-bucket': 'drillCopyBucketName',
  '--drill-copy-region': 'drillCopyBucketRegion',
} as const;

type FlagName = keyof typeof FLAGS;
type Option = (typeof FLAGS)[FlagName];

/** The flags the issue names for the two verification kinds. */
const KIND_ALIASES: Readonly<Record<string, RunKind>> = { '--verify': 'check-files', '--drill': 'restore-drill' };

export interface CliOptions {
  readonly values: Partial<Record<Option, string>>;
  readonly dryRun: boolean;
  readonly help: boolean;
}

export function parseArguments(argv: readonly string[]): CliOptions {
  const values: Partial<Record<Option, string>> = {};
  let dryRun = false;
  let help = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg in KIND_ALIASES) {
      if (values.kind !== undefined && values.kind !== KIND_ALIASES[arg]) throw new ConfigurationError(`${arg} conflicts with --kind ${values.kind}`);
      values.kind = KIND_ALIASES[arg];
    } else if (arg in FLAGS) {
      if (arg === '--kind' && values.kind !== undefined && values.kind !== argv[i + 1]) throw new ConfigurationError(`--kind ${argv[i + 1]} conflicts with --kind ${values.kind}`);
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigurationError(`${arg} needs a value`);
      values[FLAGS[arg as FlagName]] = value;
      i += 1;
    } else throw new ConfigurationError(`unknown argument '${arg}'`);
  }
  return { values, dryRun, help };
}

/**
 * The connection string's parts, read as libpq reads them: `sslrootcert` (the cluster's CA),
 * and for a certificate login `sslcert` and `sslkey` (the client certificate and its key, e.g.
 * `certs/client.backup.crt` and `certs/client.backup.key` from `cockroach cert create-client`),
 * all paths of PEM files. Without a client certificate the password comes from PGPASSWORD,
 * never the command line.
 */
export function parseConnectionUrl(url: string, password: string, tlsVerify: boolean): Credentials['connection'] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`--url is not a URL: expected ${URL_FORM}`);
  }
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new ConfigurationError(`--url has scheme '${parsed.protocol}': expected postgresql://`);
  }
  if (parsed.password !== '') throw new ConfigurationError('--url contains a password: put it in PGPASSWORD instead');
  if (parsed.username === '') throw new ConfigurationError('--url has no user: expected postgresql://user@host:26257/db');
  const caPath = parsed.searchParams.get('sslrootcert');
  if (tlsVerify && caPath === null) {
    throw new ConfigurationError(`--url has no sslrootcert: expected the path of the cluster's CA certificate (or ${ENV.tlsVerify}=false)`);
  }
  const certPath = parsed.searchParams.get('sslcert');
  const keyPath = parsed.searchParams.get('sslkey');
  if ((certPath === null) !== (keyPath === null)) {
    throw new ConfigurationError(`--url has ${certPath === null ? 'sslkey without sslcert' : 'sslcert without sslkey'}: a certificate login needs both files`);
  }
  const clientCertificate = certPath === null || keyPath === null ? undefined : { cert: readPem(certPath, 'sslcert'), key: readPem(keyPath, 'sslkey') };
  if (clientCertificate !== undefined) registerSecret(clientCertificate.key);
  else if (password === '') {
    throw new ConfigurationError('PGPASSWORD is not set: expected the password of the SQL user, or sslcert and sslkey in --url for a certificate login');
  }
  if (password !== '') registerSecret(password);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 26257 : Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    password,
    dbname: parsed.pathname.replace(/^\//, '') || 'defaultdb',
    ca: caPath === null ? '' : readPem(caPath, 'sslrootcert'),
    ...(clientCertificate === undefined ? {} : { clientCertificate }),
  };
}

/** A PEM file a --url parameter names; a missing file is the operator's input error. */
function readPem(file: string, parameter: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`--url's ${parameter} '${file}' cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Secrets from the environment: nothing to cache, nothing to fetch again. */
class EnvironmentSecrets implements SecretSource {
  readonly fetchCount = 0;
  constructor(private readonly credentials: Credentials) {}
  async connection(): Promise<{ connection: ConnectionSecret; fresh: boolean }> {
    return { connection: this.credentials.connection, fresh: true };
  }
  async accessKey(): Promise<AccessKey> {
    // The run reads the key only with STORAGE_AUTH access-key, where main() always read it.
    if (this.credentials.accessKey === undefined) throw new ConfigurationError('no access key: the nodes use their own identity (--storage-auth implicit)');
    return this.credentials.accessKey;
  }
  async pendingConnection(): Promise<undefined> {
    // A password typed for the run has no versions.
    return undefined;
  }
}

export async function main(argv: readonly string[], env: Environment, print: (line: string) => void = console.log): Promise<number> {
  try {
    const options = parseArguments(argv);
    if (options.help) {
      print(USAGE);
      return 0;
    }
    const { url, kind, budgetSeconds, ...settingsFlags } = options.values;
    const overlay: Record<string, string | undefined> = { ...env };
    for (const [key, value] of Object.entries(settingsFlags)) overlay[ENV[key as keyof typeof ENV]] = value;
    const labels = Object.fromEntries(Object.entries(FLAGS).map(([flag, key]) => [key, flag]));
    const settings = parseSettings(overlay, labels);
    const requested: RunKind = parseEvent({ kind: kind ?? '' }).kind;
    const accessKey = settings.storageAuth.mode === 'access-key' ? readAccessKey(env, options.dryRun) : undefined;

    if (options.dryRun) {
      // A drill names the off-site copy when one is given; every other run the primary.
      const target = requested === 'restore-drill' ? drillTarget(settings, accessKey) : backupTarget(settings, accessKey);
      print(redact(pasteableStatements(dryRunStatements(requested, settings, target), target, 'AWS_SECRET_ACCESS_KEY').join('\n')));
      return 0;
    }

    if (url === undefined) throw new ConfigurationError(`--url is missing: expected ${URL_FORM}`);
    const connection = parseConnectionUrl(url, env.PGPASSWORD ?? '', settings.tlsVerify);
    const budgetMs = budgetSeconds === undefined ? 300_000 : Number(budgetSeconds) * 1000;
    if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw new ConfigurationError(`--budget-seconds is '${budgetSeconds}': expected a positive number`);

    const result = await runRequested({
      settings,
      requested,
      secrets: new EnvironmentSecrets({ connection, accessKey }),
      budget: Budget.fromNow(budgetMs),
      now: () => new Date(),
      drillState: runnerDrillState(settings, requested),
      // With FOLLOW_STATE_PARAMETER the Lambda's followed jobs (its jobs, told once); without, none.
      followStore: settings.followStateParameter === undefined ? undefined : new SsmFollowStore(new SSMClient({}), settings.followStateParameter),
    });
    publishRun(result, settings);
    return result.action === 'failed' ? 1 : 0;
  } catch (error) {
    print(redact(`error: ${redactedMessage(error)}\n\n${USAGE}`));
    return 1;
  }
}

/**
 * With DRILL_STATE_PARAMETER, the Lambda's parameter (through the AWS SDK's default
 * credentials); without, for a drill, memory, which the runner says.
 */
function runnerDrillState(settings: BackupSettings, requested: RunKind): DrillStateStore | undefined {
  if (settings.drillStateParameter !== undefined) return new SsmDrillStateStore(new SSMClient({}), settings.drillStateParameter);
  if (requested !== 'restore-drill') return undefined;
  const store = new MemoryDrillStateStore();
  log('INFO', `drill state kept in ${store.description}`);
  return store;
}

function readAccessKey(env: Environment, dryRun: boolean): AccessKey {
  const text = JSON.stringify({
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? (dryRun ? 'AWS_ACCESS_KEY_ID' : undefined),
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? (dryRun ? 'unset' : undefined),
  });
  return parseAccessKeySecret(text, 'the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
}
