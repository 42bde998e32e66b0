import { fencedBlocks, readGuideFile } from './markdown';
import { checkExample, ExampleChecks } from './synth-examples';

/**
 * Each TypeScript example of the README is followed by a line "Policy checks: ..." that
 * names, in backticks, every rule the two policy packs report on it (cdk-nag AwsSolutions
 * and AWS Control Tower's proactive controls), with the reason. This test synthesizes
 * each example under both packs and holds the line to what they report.
 */
const RULE = /^(AwsSolutions-[A-Z0-9]+|CT\.[A-Z0-9]+\.PR\.[0-9]+)$/;

interface ReadmeExample {
  readonly firstLine: number;
  readonly code: string;
  /** The "Policy checks:" line right after the example, if any. */
  readonly checksLine?: string;
}

function readmeExamples(): ReadmeExample[] {
  const lines = readGuideFile('README.md').split('\n');
  return fencedBlocks(lines.join('\n'))
    .filter((block) => block.language === 'ts' || block.language === 'typescript')
    .map((block) => {
      const closingFence = block.firstLine - 1 + block.code.split('\n').length; // 0-based index of the closing fence
      const next = lines.slice(closingFence + 1).find((line) => line.trim() !== '');
      return { firstLine: block.firstLine, code: block.code, checksLine: next?.startsWith('Policy checks') ? next : undefined };
    });
}

/** The rules a line names in backticks. */
function namedRules(line: string): string[] {
  return [...new Set([...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((word) => RULE.test(word)))].sort();
}

/** Examples that use the construct (the policy-pack snippet builds no stack). */
const usesConstruct = (e: ReadmeExample) => /new CockroachBackup\b/.test(e.code);
const examples = readmeExamples().filter(usesConstruct);
const checked = new Map<number, ExampleChecks>();
beforeAll(() => {
  for (const example of examples) checked.set(example.firstLine, checkExample({ origin: `README.md:${example.firstLine}`, firstLine: example.firstLine, code: example.code }));
});

test('the README has examples that build stacks', () => {
  expect(examples.length).toBeGreaterThanOrEqual(5);
  expect([...checked.values()].filter((c) => c.stacks > 0).length).toBeGreaterThanOrEqual(5);
});

test.each(examples.map((e) => [e.firstLine, e] as const))(
  'README.md:%i says what the policy packs report on it, exactly',
  (_line, example) => {
    expect({ line: example.firstLine, checksLine: example.checksLine !== undefined }).toEqual({ line: example.firstLine, checksLine: true });
    const result = checked.get(example.firstLine)!;
    if (result.stacks === 0) {
      // Declares without instantiating (a stack class): the line must say it is not synthesized.
      expect(example.checksLine).toMatch(/not synthesized/);
      return;
    }
    expect({ line: example.firstLine, named: namedRules(example.checksLine!) }).toEqual({ line: example.firstLine, named: result.rules });
  },
);

test('the check can fail: an example that reports a rule its line does not name is caught', () => {
  const result = checkExample({
    origin: 'unnamed finding',
    firstLine: 1,
    code: ["import { Stack } from 'aws-cdk-lib';", "import * as s3 from 'aws-cdk-lib/aws-s3';", "new s3.Bucket(new Stack(), 'Plain');"].join('\n'),
  });
  expect(result.stacks).toBe(1);
  expect(result.rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10', 'CT.S3.PR.9']));
  expect(namedRules('Policy checks: `AwsSolutions-S1`.')).not.toEqual(result.rules);
});
