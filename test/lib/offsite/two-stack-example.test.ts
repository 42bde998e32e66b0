import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp, COPY_STACK_NAME, EXAMPLE_STACK_NAME } from '../../../bin/app';
import { ENV } from '../../../contract/environment';

/**
 * The example app with `-c offsiteCopy=true`: two stacks in two environments that `cdk deploy`
 * can deploy one after the other, with no reference between them that CloudFormation would have
 * to resolve across regions or accounts (no export, no Fn::ImportValue, no SSM-backed reference).
 */

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const saved = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

function setEnvironment(account: string | undefined, region: string | undefined): void {
  for (const [name, value] of [['CDK_DEFAULT_ACCOUNT', account], ['CDK_DEFAULT_REGION', region]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

beforeEach(() => setEnvironment(undefined, undefined));
afterAll(() => setEnvironment(saved.account, saved.region));

describe('example app with offsiteCopy=true', () => {
  test('synthesizes two stacks with explicit environments, the copy deployed first, and nothing one reads from the other', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-offsite-'));
    try {
      const { app } = buildApp({ outdir, context: { offsiteCopy: 'true', restoreDrill: 'true', ...NO_BUNDLING } });
      const assembly = app.synth();
      const primary = assembly.getStackByName(EXAMPLE_STACK_NAME);
      const copy = assembly.getStackByName(COPY_STACK_NAME);
      expect(primary.environment).toMatchObject({ account: '111111111111', region: 'eu-west-1' });
      expect(copy.environment).toMatchObject({ account: '111111111111', region: 'eu-central-1' });
      expect(primary.dependencies.map((d) => d.id)).toContain(COPY_STACK_NAME);
      for (const stack of [primary, copy]) {
        const text = JSON.stringify(stack.template);
        expect(text).not.toContain('Fn::ImportValue');
        expect(text).not.toContain('ExportsReader');
        expect(Object.values<{ Export?: unknown }>(stack.template.Outputs ?? {}).filter((o) => o.Export !== undefined)).toEqual([]);
      }
      // Both name the same bucket and role, each by its fixed name.
      const bucketName = 'cockroach-backup-copy-111111111111-eu-central-1';
      expect(JSON.stringify(copy.template)).toContain(`"BucketName":"${bucketName}"`);
      expect(JSON.stringify(primary.template)).toContain(`:s3:::${bucketName}`);
      expect(JSON.stringify(primary.template)).toContain('"RoleName":"CockroachBackupReplication-eu-central-1"');
      expect(JSON.stringify(copy.template)).toContain(':iam::111111111111:role/CockroachBackupReplication-eu-central-1');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('the drills read the copy when restoreDrill=true', () => {
    const { stack } = buildApp({ context: { offsiteCopy: 'true', restoreDrill: 'true', ...NO_BUNDLING } });
    const variables = JSON.stringify(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(variables).toContain(`"${ENV.drillCopyBucketRegion}":"eu-central-1"`);
  });

  test('offsiteAccount puts the copy in that account, in the primary region, and makes the rule cross-account', () => {
    const { copyStack, stack } = buildApp({ context: { offsiteCopy: 'true', offsiteAccount: '333333333333', ...NO_BUNDLING } });
    expect({ account: copyStack?.account, region: copyStack?.region }).toEqual({ account: '333333333333', region: 'eu-west-1' });
    const rule = JSON.stringify(Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket')).map((b) => b.Properties.ReplicationConfiguration));
    expect(rule).toContain('"Account":"333333333333"');
    expect(rule).toContain('"AccessControlTranslation":{"Owner":"Destination"}');
  });

  test('follows CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION, with a fixed partner region', () => {
    setEnvironment('444444444444', 'us-east-1');
    const { stack, copyStack } = buildApp({ context: { offsiteCopy: 'true', ...NO_BUNDLING } });
    expect([stack.account, stack.region, copyStack?.account, copyStack?.region]).toEqual(['444444444444', 'us-east-1', '444444444444', 'us-west-2']);
  });

  test('without offsiteCopy, the example has one environment-agnostic stack', () => {
    const { app, copyStack, stack } = buildApp({ context: NO_BUNDLING });
    expect(copyStack).toBeUndefined();
    expect(app.node.children.filter((c) => c.node.id === COPY_STACK_NAME)).toEqual([]);
    expect(stack.environment).toBe('aws://unknown-account/unknown-region');
  });

  test.each([
    [{ offsiteCopy: 'yes' }, "context offsiteCopy is 'yes': expected true or false"],
    [{ offsiteCopy: 'true', offsiteAccount: '1234' }, "context offsiteAccount is '1234': expected an AWS account id of 12 digits"],
    [{ offsiteCopy: 'true', offsiteAccount: '111111111111' }, "context offsiteAccount is '111111111111', the primary's own account: leave it out for a copy in another region of this account"],
    [{ offsiteAccount: '333333333333' }, "context offsiteAccount is '333333333333' without offsiteCopy=true: expected both, or neither"],
  ])('refuses the context %j', (context, message) => {
    expect(() => buildApp({ context: { ...context, ...NO_BUNDLING } })).toThrow(message);
  });
});
