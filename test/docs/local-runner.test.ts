import { main, parseArguments, USAGE } from '../../lambda/backup/tools/cli';
import { fencedBlocks, readGuideFile, withoutCodeBlocks } from './markdown';

/** The page that shows the local runner. */
const PAGE = 'docs/how-a-run-decides.md';
/** The runner as the package ships it (its bin). */
const COMMAND = 'npx cockroach-backup-cdk backup ';

/** The page's "Running it from your machine" section, up to the next second-level heading. */
function localRunnerSection(): string {
  const page = readGuideFile(PAGE);
  const start = page.indexOf('\n## Running it from your machine\n');
  if (start === -1) throw new Error(`${PAGE} has no section "Running it from your machine"`);
  const end = page.indexOf('\n## ', start + 1);
  return page.slice(start, end === -1 ? undefined : end);
}

describe(`the local runner section of ${PAGE}`, () => {
  const section = localRunnerSection();
  const commands = fencedBlocks(section)
    .flatMap((block) => block.code.split('\n'))
    .filter((line) => line.startsWith(COMMAND));
  const proseFlags = [...withoutCodeBlocks(section).matchAll(/`(--[a-z-]+)/g)].map((m) => m[1]);

  test('fails if the section shows no runner command', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  test('fails if a command shown is refused by the runner\'s argument parser', () => {
    for (const command of commands) {
      expect(() => parseArguments(command.replace(COMMAND, '').split(/\s+/))).not.toThrow();
    }
  });

  test('fails if the prose names a flag the runner does not know', () => {
    expect(proseFlags.length).toBeGreaterThan(0);
    expect(proseFlags.filter((flag) => !USAGE.includes(flag))).toEqual([]);
  });

  test('fails if the documented --dry-run output is not what the runner prints for the documented command', async () => {
    const dryRun = commands.find((command) => command.includes('--dry-run'));
    const documented = fencedBlocks(section).find((block) => block.language === 'text');
    expect(dryRun).toBeDefined();
    expect(documented).toBeDefined();
    const printed: string[] = [];
    // No AWS keys in the environment: the dry run shows placeholders, as documented.
    const status = await main(dryRun!.replace(COMMAND, '').split(/\s+/), {}, (line) => printed.push(line));
    expect(status).toBe(0);
    expect(printed.join('\n')).toBe(documented!.code);
  });
});
