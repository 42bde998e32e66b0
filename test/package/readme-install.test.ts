import { readGuideFile } from '../docs/markdown';
import { caretFloor, PACKAGE_JSON } from './consumer-app';

describe("README's Install section", () => {
  const readme = readGuideFile('README.md');
  const start = readme.indexOf('\n## Install\n');
  const section = start === -1 ? '' : readme.slice(start, readme.indexOf('\n## ', start + 1));

  test('fails if it does not show the install command with both peers', () => {
    expect(section).toContain(`npm install ${PACKAGE_JSON.name} aws-cdk-lib constructs`);
  });

  test.each(Object.entries(PACKAGE_JSON.peerDependencies))("fails if it does not state package.json's floor of %s (%s)", (name, range) => {
    expect(section).toContain(`\`${name}\` (${caretFloor(range)} or later`);
  });

  test("fails if it does not state package.json's Node.js version", () => {
    expect(section).toContain(`Node.js ${/^>=(\d+)$/.exec(PACKAGE_JSON.engines.node)?.[1]} or later`);
  });
});
