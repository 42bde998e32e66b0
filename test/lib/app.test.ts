import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, EXAMPLE_STACK_NAME } from '../../bin/app';
import { ENV } from '../../contract/environment';

/** A content hash of 64 hex digits (asset keys, asset directory names). */
const ASSET_HASH = /[0-9a-f]{64}/g;

interface Synthesis {
  readonly outdir: string;
  readonly templateText: string;
  /** The directory of the bundled backup Lambda code. */
  readonly codeDir: string;
}

/**
 * Synthesizes the example app for real (bundling included) into a new temporary directory.
 * Two functions, two assets: the backup Lambda's and the rotation function's.
 */
function synthesizeExample(): Synthesis {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-app-'));
  const { app, stack, backup } = buildApp({ outdir });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  const templateText = fs.readFileSync(path.join(outdir, artifact.templateFile), 'utf8');
  const assets = fs.readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  expect(assets).toHaveLength(2);
  const backupFunctionId = stack.getLogicalId(backup.backupFunction.node.defaultChild as CfnElement);
  const codeKey: string = JSON.parse(templateText).Resources[backupFunctionId].Properties.Code.S3Key;
  return { outdir, templateText, codeDir: path.join(outdir, `asset.${codeKey.replace(/\.zip$/, '')}`) };
}

// Synthesis with both policy packs is the slow part on 2 cores: two synthesized copies serve every test.
let first: Synthesis;
let second: Synthesis;
beforeAll(() => {
  first = synthesizeExample();
  second = synthesizeExample();
});
afterAll(() => {
  for (const synthesis of [first, second]) fs.rmSync(synthesis.outdir, { recursive: true, force: true });
});

describe('example app', () => {
  test('has no unacknowledged cdk-nag AwsSolutions error or warning', () => {
    const { app } = buildApp({ context: { 'aws:cdk:bundling-stacks': [] } });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('runs the Control Tower pack while synthesizing and leaves no finding unacknowledged in either pack', () => {
    const report = JSON.parse(fs.readFileSync(path.join(first.outdir, 'validation-report.json'), 'utf8'));
    const summary = report.pluginReports.map((r: { pluginName: string; conclusion: string; violations: unknown[] }) => [r.pluginName, r.conclusion, r.violations.length]);
    // cdk-nag writes a report only when something is left; the Control Tower plugin always does,
    // and CDK's CloudFormation Validate when it has an acknowledged finding (W3011 on the access key).
    expect(summary).toEqual([
      ['cdk-validator-cfnguard', 'success', 0],
      ['CloudFormation Validate', 'success', 0],
    ]);
  });

  test('synthesizes byte-identical templates twice in a row', () => {
    expect(second.templateText).toBe(first.templateText);
  });

  test('bundles byte-identical Lambda code twice in a row', () => {
    expect(path.basename(second.codeDir)).toBe(path.basename(first.codeDir));
    expect(fs.readFileSync(path.join(second.codeDir, 'index.js'))).toEqual(fs.readFileSync(path.join(first.codeDir, 'index.js')));
  });

  test('matches the template snapshot (asset hashes replaced)', () => {
    expect(JSON.parse(first.templateText.replace(ASSET_HASH, 'ASSET-HASH'))).toMatchSnapshot();
  });

  test('reads collection, timeZone and alarmEmail from the context', () => {
    const { stack } = buildApp({
      context: { collection: 'eu/cluster-9', timeZone: 'Europe/Berlin', alarmEmail: 'ops@example.com', 'aws:cdk:bundling-stacks': [] },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { [ENV.collection]: 'eu/cluster-9' } } });
    template.resourcePropertiesCountIs('AWS::Scheduler::Schedule', { ScheduleExpressionTimezone: 'Europe/Berlin' }, 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  test('turns on restore drills with the context restoreDrill=true, and refuses anything but true or false', () => {
    const noBundling = { 'aws:cdk:bundling-stacks': [] };
    const { backup, stack } = buildApp({ context: { restoreDrill: 'true', ...noBundling } });
    expect(backup.drillSchedule).toBeDefined();
    // DrillState, and the follow checks' FollowState.
    Template.fromStack(stack).resourceCountIs('AWS::SSM::Parameter', 2);
    expect(buildApp({ context: noBundling }).backup.drillSchedule).toBeUndefined();
    expect(() => buildApp({ context: { restoreDrill: 'yes', ...noBundling } })).toThrow("context restoreDrill is 'yes': expected true or false");
  });

  test('expires whole chains with the context retentionDays=35, and refuses anything but whole days', () => {
    const noBundling = { 'aws:cdk:bundling-stacks': [] };
    const { stack } = buildApp({ context: { retentionDays: '35', ...noBundling } });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireBackupChains', Prefix: 'cluster-1/', ExpirationInDays: 37 })]) },
    });
    expect(() => buildApp({ context: { retentionDays: '35.5', ...noBundling } })).toThrow("context retentionDays is '35.5': expected a whole number of days");
  });

  test("cdk.json's context gives the same template as the defaults, so `cdk synth` matches these tests", () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
    const noBundling = { 'aws:cdk:bundling-stacks': [] };
    const withCdkJson = buildApp({ context: { ...cdkJson.context, ...noBundling } }).stack;
    const withDefaults = buildApp({ context: noBundling }).stack;
    expect(Template.fromStack(withCdkJson).toJSON()).toEqual(Template.fromStack(withDefaults).toJSON());
  });

  test('names its stack for cdk deploy', () => {
    expect(buildApp({ context: { 'aws:cdk:bundling-stacks': [] } }).stack.stackName).toBe(EXAMPLE_STACK_NAME);
  });
});

describe('bundled Lambda code', () => {
  const code = () => fs.readFileSync(path.join(first.codeDir, 'index.js'), 'utf8');

  test('is one minified file without a source map', () => {
    expect(fs.readdirSync(first.codeDir)).toEqual(['index.js']);
    expect(code()).not.toContain('sourceMappingURL');
    // Minified: a few long lines, not one statement per line.
    expect(code().split('\n').length).toBeLessThan(50);
  });

  test('leaves the AWS SDK to the Lambda runtime', () => {
    expect(code()).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
    expect(code()).not.toContain('class SecretsManagerClient');
  });

  test('bundles the pg driver, which the runtime does not provide', () => {
    expect(code()).not.toMatch(/require\("pg"\)/);
  });

  test('exports the handler', () => {
    expect(code()).toMatch(/handler/);
  });
});
