import { fencedBlocks, readGuideFile } from '../docs/markdown';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

/** The environment variables the local runner reads secrets from (cli.ts). */
const SECRET_VARIABLES = ['PGPASSWORD', 'AWS_SECRET_ACCESS_KEY'];

describe('lambda/backup/README.md', () => {
  const commands = fencedBlocks(readGuideFile('lambda/backup/README.md'))
    .filter((block) => block.language === 'sh')
    .flatMap((block) => block.code.split('\n'));

  test('fails if a shell example types a secret on the command line, where it stays in the shell history', () => {
    expect(commands.length).toBeGreaterThan(0);
    const typed = commands.filter((line) => SECRET_VARIABLES.some((name) => new RegExp(`\\b${name}=`).test(line)));
    expect(typed).toEqual([]);
  });

  test('fails if a shell example does not show how to set each secret the runner reads', () => {
    for (const name of SECRET_VARIABLES) {
      expect(commands).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^read -rs ${name} && export ${name}\\b`))]));
    }
  });
});
