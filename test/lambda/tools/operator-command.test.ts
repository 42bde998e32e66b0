import { parseArguments, USAGE } from '../../../lambda/backup/tools/cli';
import { COMMAND_USAGE, operatorCommand } from '../../../lambda/backup/tools/operator-command';
import { parseRestoreArguments, RESTORE_USAGE } from '../../../lambda/backup/tools/restore-cli';
import { installSecretGuard } from '../helpers/secret-guard';

const guard = installSecretGuard();

async function run(argv: string[]): Promise<{ code: number; output: string }> {
  const lines: string[] = [];
  const code = await operatorCommand(argv, {}, (line) => lines.push(line));
  const output = lines.join('\n');
  guard.inspect(output);
  return { code, output };
}

/** Every `--flag` a usage names. */
const flagsOf = (usage: string) => [...new Set([...usage.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))];

describe('cockroach-backup-cdk', () => {
  test('--help lists both commands with every flag each of them takes', async () => {
    const { code, output } = await run(['--help']);
    expect(code).toBe(0);
    expect(output).toBe(COMMAND_USAGE);
    expect(output).toContain(RESTORE_USAGE);
    expect(output).toContain(USAGE);
  });

  test("the usages name only flags the commands' parsers take", () => {
    const needsValue = (flag: string) => !['--execute', '--help', '--dry-run', '--verify', '--drill'].includes(flag);
    const refused = (parse: (argv: string[]) => unknown, usage: string) =>
      flagsOf(usage).filter((flag) => {
        try {
          parse(needsValue(flag) ? [flag, 'x'] : [flag]);
          return false;
        } catch {
          return true;
        }
      });
    expect([refused(parseRestoreArguments, RESTORE_USAGE), refused(parseArguments, USAGE)]).toEqual([[], []]);
  });

  test.each([
    ['restore', RESTORE_USAGE],
    ['backup', USAGE],
  ])('%s --help prints that command\'s usage', async (command, usage) => {
    expect(await run([command, '--help'])).toEqual({ code: 0, output: usage });
  });

  test('passes the flags after the command to it', async () => {
    const { code, output } = await run(['restore', '--as-of', 'yesterday']);
    expect(code).toBe(1);
    expect(output).toMatch(/^error: --as-of is 'yesterday'/);
  });

  test('fails for an unknown command, and without one, with the usage', async () => {
    expect(await run(['frobnicate'])).toEqual({ code: 1, output: `error: unknown command 'frobnicate': expected backup or restore\n\n${COMMAND_USAGE}` });
    expect(await run([])).toEqual({ code: 1, output: COMMAND_USAGE });
  });
});
