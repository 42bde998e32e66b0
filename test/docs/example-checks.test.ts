import { namedRules, readmeExamples, usesConstruct } from './policy-checks-line';
import { checkExample, ExampleChecks } from './synth-examples';

/**
 * Each TypeScript example of the README is followed by a line "Policy checks: ..." that
 * names, in backticks, every rule the two policy packs report on it (cdk-nag AwsSolutions
 * and AWS Control Tower's proactive controls), with the reason. This test synthesizes
 * each example under both packs and holds the line to what they report.
 */
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
