import { fencedBlocks, guideFiles, readGuideFile } from './markdown';
import { checkExample, ExampleChecks } from './synth-examples';

/**
 * Every TypeScript example of README.md and docs/ is a complete CDK app (it creates its own
 * `App`), and this test runs and synthesizes each one exactly as printed. Each example that
 * uses the construct is followed by a line "Policy checks: ..." that names, in backticks,
 * every rule the two policy packs report on it (cdk-nag AwsSolutions and AWS Control Tower's
 * proactive controls), with the reason; the test holds the line to what they report.
 */
const RULE = /^(AwsSolutions-[A-Z0-9]+|CT\.[A-Z0-9]+\.PR\.[0-9]+)$/;

interface GuideExample {
  readonly origin: string;
  readonly firstLine: number;
  readonly code: string;
  /** The "Policy checks:" line right after the example, if any. */
  readonly checksLine?: string;
}

/** Every TypeScript example of README.md and docs/, with the line that follows it. */
function guideExamplesWithChecks(): GuideExample[] {
  return guideFiles().flatMap((file) => {
    const lines = readGuideFile(file).split('\n');
    return fencedBlocks(lines.join('\n'))
      .filter((block) => block.language === 'ts' || block.language === 'typescript')
      .map((block) => {
        const closingFence = block.firstLine - 1 + block.code.split('\n').length; // 0-based index of the closing fence
        const next = lines.slice(closingFence + 1).find((line) => line.trim() !== '');
        return { origin: `${file}:${block.firstLine}`, firstLine: block.firstLine, code: block.code, checksLine: next?.startsWith('Policy checks') ? next : undefined };
      });
  });
}

/** The rules a line names in backticks. */
function namedRules(line: string): string[] {
  return [...new Set([...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((word) => RULE.test(word)))].sort();
}

const examples = guideExamplesWithChecks();
/** Examples that use the construct (the policy-pack snippet builds no stack). */
const usesConstruct = (e: GuideExample) => /new CockroachBackup\b/.test(e.code);
const checked = new Map<string, ExampleChecks>();
beforeAll(() => {
  for (const example of examples) checked.set(example.origin, checkExample(example));
});

test('the guide has examples that build stacks with the construct', () => {
  expect(examples.filter(usesConstruct).length).toBeGreaterThanOrEqual(8);
});

test.each(examples.map((e) => [e.origin, e] as const))('%s is a complete app: it creates its App and synthesizes as printed', (_origin, example) => {
  expect(example.code).toMatch(/\bnew App\(/);
  // checkExample ran the example's code and synthesized every App it created.
  expect(checked.get(example.origin)!.apps).toBeGreaterThan(0);
});

test.each(examples.filter(usesConstruct).map((e) => [e.origin, e] as const))('%s says what the policy packs report on it, exactly', (origin, example) => {
  expect({ origin, checksLine: example.checksLine !== undefined }).toEqual({ origin, checksLine: true });
  const result = checked.get(origin)!;
  expect(result.stacks).toBeGreaterThan(0);
  expect({ origin, named: namedRules(example.checksLine!) }).toEqual({ origin, named: result.rules });
});

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
