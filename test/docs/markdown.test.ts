import { fencedBlocks, headingAnchors, relativeLinks, tableAfterHeading } from './markdown';

// The checks of the guide rest on these parsers: each must find what it claims to find.
describe('Markdown parsing of the doc tests', () => {
  const sample = [
    '# Title',
    '## Reading `cdk diff`',
    'See [restore](docs/restore.md#1-before-you-start) and [web](https://example.com).',
    '```ts',
    "const link = '[x](missing.md)';",
    '```',
    '### Props',
    '| Prop | Type | Default |',
    '| --- | --- | --- |',
    '| `a` | `string` | a \\| b |',
    '## Reading `cdk diff`',
    '[ref]: ../README.md',
  ].join('\n');

  test('finds fenced blocks with their language and first code line', () => {
    expect(fencedBlocks(sample)).toEqual([{ language: 'ts', firstLine: 5, code: "const link = '[x](missing.md)';" }]);
  });

  test('reads a table under a heading, delimiter row dropped, escaped pipes kept', () => {
    expect(tableAfterHeading(sample, 'Props')).toEqual([
      ['Prop', 'Type', 'Default'],
      ['`a`', '`string`', 'a | b'],
    ]);
  });

  test('makes GitHub anchors, numbering repeated headings', () => {
    expect([...headingAnchors(sample)]).toEqual(['title', 'reading-cdk-diff', 'props', 'reading-cdk-diff-1']);
  });

  test('finds relative links and reference definitions outside code, skipping URLs', () => {
    expect(relativeLinks(sample)).toEqual([
      { target: 'docs/restore.md#1-before-you-start', line: 3 },
      { target: '../README.md', line: 12 },
    ]);
  });
});
