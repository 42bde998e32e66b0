import { readGuideFile } from './markdown';

describe('README quickstart', () => {
  const firstScreen = readGuideFile('README.md').split('\n').slice(0, 60).join('\n');

  test.each(['npm ci', 'npx cdk synth', 'npm test'])('fails if the first 60 lines do not show `%s`', (command) => {
    expect(firstScreen).toContain(command);
  });
});
