import { GuideExample, guideExamples, namedRules, usesConstruct } from './policy-checks-line';
import { checkExample, ExampleChecks } from './synth-examples';

/**
 * Every TypeScript example of README.md and docs/ is a complete CDK app (it creates its own
 * `App`), and this test runs and synthesizes each one exactly as printed. Each example that
 * uses the construct is followed by a line "Policy checks: ..." that names, in backticks,
 * every rule the two policy packs report on it (cdk-nag AwsSolutions and AWS Control Tower's
 * proactive controls), with the reason; the test holds the line to what they report.
 */
const examples: GuideExample[] = guideExamples();
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
