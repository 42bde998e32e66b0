import { fencedBlocks, readGuideFile } from './markdown';

describe('README architecture diagram', () => {
  const diagrams = fencedBlocks(readGuideFile('README.md')).filter((block) => block.language === 'mermaid');

  test('fails if the README has no Mermaid diagram', () => {
    expect(diagrams.length).toBeGreaterThan(0);
  });

  test.each(['EventBridge Scheduler', 'Lambda', 'Secrets Manager', 'CockroachDB', 'S3', 'CloudWatch alarms', 'SNS'])(
    'fails if the diagram does not show %s',
    (part) => {
      expect(diagrams.map((d) => d.code).join('\n')).toContain(part);
    },
  );
});
