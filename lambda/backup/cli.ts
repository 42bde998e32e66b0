import { readFileSync } from 'fs';
import { BackupKind } from '../../contract/backup-event';
import { ENV } from '../../contract/environment';
import { Budget } from './budget';
import { ConfigurationError, Environment, parseEvent, parseSettings } from './config';
import { runBackup } from './procedure';
import { publishRun } from './publish';
import { redact, redactedMessage, registerSecret } from './redact';
import { ConnectionSecret, Credentials, parseAccessKeySecret, SecretSource } from './secrets';
import { buildBackupStatement } from './statement';
import { AccessKey, backupTarget, sanitizeUri } from './storage';

/**
 * The local runner: the Lambda's procedure against a cluster named by a connection
 * string, with secrets from the environment instead of Secrets Manager.
 *   npm run backup -- --url 'postgresql://backup@db.example.com:26257/defaultdb?sslrootcert=ca.pem' \
 *     --bucket my-backups --collection prod --region eu-west-1 --kind incremental
 */
export const USAGE = `Usage: npm run backup -- --url <postgresql://user@host:port/db?sslrootcert=ca.pem>
  --bucket <name> --collection <prefix> --region <aws-region> [--endpoint <url>]
  --kind full|incremental [--dry-run] [--budget-seconds <n>] [--help]
  [--storage-mode uri|external-connection] [--external-connection-name <name>]

Secrets come from the environment: PGPASSWORD (the SQL user's password),
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the key CockroachDB writes the bucket with).
Other settings use the Lambda's variables when set (${ENV.asOfSystemTimeSeconds},
${ENV.revisionHistory}, ${ENV.maxIncrementals}, ${ENV.autoRebaseline}, ${ENV.tlsVerify}, ...).
--dry-run prints the statement with secrets redacted and connects to nothing.
Exit status: 0 when a backup was submitted or skipped; 1 when the run failed.`;

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
} as const;

type FlagName = keyof typeof FLAGS;
type Option = (typeof FLAGS)[FlagName];

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
    else if (arg in FLAGS) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new ConfigurationError(`${arg} needs a value`);
      values[FLAGS[arg as FlagName]] = value;
      i += 1;
    } else throw new ConfigurationError(`unknown argument '${arg}'`);
  }
  return { values, dryRun, help };
}

/** The connection string's parts; the password must come from PGPASSWORD, never the command line. */
export function parseConnectionUrl(url: string, password: string, tlsVerify: boolean): Credentials['connection'] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`--url is not a URL: expected postgresql://user@host:26257/db?sslrootcert=ca.pem`);
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
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 26257 : Number(parsed.port),
    username: decodeURIComponent(parsed.username),
    password,
    dbname: parsed.pathname.replace(/^\//, '') || 'defaultdb',
    ca: caPath === null ? '' : readFileSync(caPath, 'utf8'),
  };
}

/** Secrets from the environment: nothing to cache, nothing to fetch again. */
class EnvironmentSecrets implements SecretSource {
  readonly fetchCount = 0;
  constructor(private readonly credentials: Credentials) {}
  async connection(): Promise<{ connection: ConnectionSecret; fresh: boolean }> {
    return { connection: this.credentials.connection, fresh: true };
  }
  async accessKey(): Promise<AccessKey> {
    return this.credentials.accessKey;
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
    const requested: BackupKind = parseEvent({ kind: kind ?? '' }).kind;
    const accessKey = readAccessKey(env, options.dryRun);

    if (options.dryRun) {
      const statement = buildBackupStatement({
        kind: requested,
        target: sanitizeUri(backupTarget(settings, accessKey)),
        asOfSystemTimeSeconds: settings.asOfSystemTimeSeconds,
        revisionHistory: settings.revisionHistory,
      });
      print(redact(statement));
      return 0;
    }

    if (url === undefined) throw new ConfigurationError('--url is missing: expected postgresql://user@host:26257/db?sslrootcert=ca.pem');
    const password = env.PGPASSWORD ?? '';
    if (password === '') throw new ConfigurationError('PGPASSWORD is not set: expected the password of the SQL user');
    registerSecret(password);
    const budgetMs = budgetSeconds === undefined ? 300_000 : Number(budgetSeconds) * 1000;
    if (!Number.isFinite(budgetMs) || budgetMs <= 0) throw new ConfigurationError(`--budget-seconds is '${budgetSeconds}': expected a positive number`);

    const result = await runBackup({
      settings,
      requested,
      secrets: new EnvironmentSecrets({ connection: parseConnectionUrl(url, password, settings.tlsVerify), accessKey }),
      budget: Budget.fromNow(budgetMs),
    });
    publishRun(result, settings);
    return result.action === 'failed' ? 1 : 0;
  } catch (error) {
    print(redact(`error: ${redactedMessage(error)}\n\n${USAGE}`));
    return 1;
  }
}

function readAccessKey(env: Environment, dryRun: boolean): Credentials['accessKey'] {
  const text = JSON.stringify({
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? (dryRun ? 'AWS_ACCESS_KEY_ID' : undefined),
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? (dryRun ? 'unset' : undefined),
  });
  return parseAccessKeySecret(text, 'the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)');
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
