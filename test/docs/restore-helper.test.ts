import { main, parseRestoreArguments, RESTORE_USAGE } from '../../lambda/backup/tools/restore-cli';
import { fencedBlocks, guideFiles, readGuideFile, withoutCodeBlocks } from './markdown';

/** How the guides run the helper: the package's operator command (same flags as lambda/backup/tools/restore-cli.ts). */
const COMMAND = 'npx cockroach-backup-cdk restore ';

/** The words of a shell command: continuation lines joined, single and double quotes removed. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const match of command.replace(/\\\n\s*/g, ' ').matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]);
  return words;
}

/** Every restore helper command of a guide's shell blocks, as the words after `restore`. */
function restoreCommands(file: string): string[][] {
  return fencedBlocks(readGuideFile(file))
    .filter((block) => block.language === 'sh')
    .flatMap((block) => block.code.replace(/\\\n\s*/g, ' ').split('\n'))
    .filter((line) => line.startsWith(COMMAND))
    .map((line) => shellWords(line).slice(COMMAND.trim().split(' ').length));
}

describe('the restore helper in the guides', () => {
  const commands = guideFiles().flatMap(restoreCommands);

  test('fails if no guide shows a restore helper command', () => {
    expect(commands.length).toBeGreaterThan(0);
  });

  test('fails if a command shown is refused by the helper\'s argument parser', () => {
    for (const words of commands) expect(() => parseRestoreArguments(words)).not.toThrow();
  });

  test("fails if the runbook's restore helper section names a flag that the helper's usage does not list", () => {
    const runbook = readGuideFile('docs/restore.md');
    const start = runbook.indexOf('## 4. Find the chain');
    expect(start).toBeGreaterThan(-1);
    const section = withoutCodeBlocks(runbook.slice(start, runbook.indexOf('\n## ', start + 1)));
    const flags = [...section.matchAll(/`(--[a-z-]+)/g)].map((m) => m[1]);
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((flag) => !RESTORE_USAGE.includes(flag))).toEqual([]);
  });

  test("fails if the runbook's example output does not have the form the helper prints", async () => {
    const output = fencedBlocks(readGuideFile('docs/restore.md')).find((b) => b.language === 'text' && b.code.includes('RESTORE DATABASE'));
    expect(output).toBeDefined();
    const [chainLine, statement] = output!.code.split('\n');
    expect(chainLine).toMatch(/^-- Chain \/\d{4}\/\d{2}\/\d{2}-\d{6}\.\d{2} covers .+ to .+ \(UTC\)\.$/);
    // Without --url the helper prints the same statement for LATEST: compare everything but the chain.
    const printed: string[] = [];
    const keys = { AWS_ACCESS_KEY_ID: 'AKIARESTOREREADER001', AWS_SECRET_ACCESS_KEY: 'wJalr/XUtnFEMI+K7MDENG/bPxRfiCYEXAMPLEKEY' };
    // The example whose output is shown: the one without --execute.
    const example = restoreCommands('docs/restore.md').find((w) => !w.includes('--execute'));
    expect(example).toBeDefined();
    const words = example!.filter((_, i, all) => !['--url', '--access-key-secret'].includes(all[i]) && !['--url', '--access-key-secret'].includes(all[i - 1]));
    expect(await main(words, keys, (line) => printed.push(line))).toBe(0);
    expect(printed[1]).toBe(statement.replace(/FROM '\/[^']+' IN/, 'FROM LATEST IN'));
  });
});
