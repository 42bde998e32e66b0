import { Environment } from '../connect/config';
import { main as backup, USAGE as BACKUP_USAGE } from './cli';
import { main as restore, RESTORE_USAGE } from './restore-cli';

/**
 * `cockroach-backup-cdk`, the operator's command the package ships as its `bin` (bundled with
 * pg and the AWS SDK clients into dist/cli/cockroach-backup-cdk.js by scripts/bundle-lambda.ts):
 *   npx cockroach-backup-cdk restore --as-of '2026-11-20 14:04:59' ...
 *   npx cockroach-backup-cdk backup --kind incremental ...
 * In a clone, `npm run backup -- ...` and `npm run restore -- ...` run the same from source.
 */
const COMMANDS: Readonly<Record<string, (argv: readonly string[], env: Environment, print: (line: string) => void) => Promise<number>>> = {
  backup,
  restore,
};

export const COMMAND_USAGE = `Usage: cockroach-backup-cdk <command> [flags]   (npx cockroach-backup-cdk ...)

Commands:
  restore   print (and with --execute run) the RESTORE of the collection as of a point in time
  backup    run a backup, file check or restore drill from your machine, as the Lambda does
  cockroach-backup-cdk <command> --help shows one command's flags; both follow.

${RESTORE_USAGE}

${BACKUP_USAGE}`;

/** Runs the command `argv` names; its exit status, 1 for an unknown command. */
export async function operatorCommand(argv: readonly string[], env: Environment, print: (line: string) => void = console.log): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(COMMAND_USAGE);
    return name === undefined ? 1 : 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    print(`error: unknown command '${name}': expected ${Object.keys(COMMANDS).join(' or ')}\n\n${COMMAND_USAGE}`);
    return 1;
  }
  return command(rest, env, print);
}

/** Ends the process with the command's exit status (1 if it threw: the commands report their own errors). */
function exitWith(run: Promise<number>): void {
  run.then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}

if (require.main === module) exitWith(operatorCommand(process.argv.slice(2), process.env));
