import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../bin/app';

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const IDENTITY_ROLE = 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab';

/** The example app's `credentials` context key (bin/app.ts), as `-c credentials=...` gives it. */
describe('example app credentials context', () => {
  test.each([
    [{ credentials: 'cloud-role' }, "context cloudIdentityRoleArn is missing: expected the ARN of the CockroachDB Cloud cluster's identity role (-c cloudIdentityRoleArn=...), arn:aws:iam::<account>:role/<name>"],
    [{ credentials: 'cloud-role', cloudIdentityRoleArn: 'crl-dr-store-user-1' }, "context cloudIdentityRoleArn is 'crl-dr-store-user-1': expected the ARN"],
    [{ credentials: 'implicit', nodeRoleArn: 'arn:aws:iam::123456789012:user/nodes' }, "context nodeRoleArn is 'arn:aws:iam::123456789012:user/nodes': expected the ARN of the role CockroachDB's nodes run as"],
    [{ credentials: 'keyless' }, "context credentials is 'keyless': expected access-key, cloud-role or implicit"],
  ])('fails for %j, naming the context key and what it expects', (context, message) => {
    expect(() => buildApp({ context: { ...context, ...NO_BUNDLING } })).toThrow(message);
  });

  test('cloud-role trusts the given identity role and creates no IAM user', () => {
    const { stack } = buildApp({ context: { credentials: 'cloud-role', cloudIdentityRoleArn: IDENTITY_ROLE, ...NO_BUNDLING } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::User', 0);
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: IDENTITY_ROLE }, Condition: { StringEquals: { 'sts:ExternalId': Match.stringLikeRegexp('^crdb-backup-') } } }] } });
  });

  test('implicit with nodeRoleArn attaches the backup policy to that role', () => {
    const { stack } = buildApp({ context: { credentials: 'implicit', nodeRoleArn: 'arn:aws:iam::123456789012:role/crdb-nodes', ...NO_BUNDLING } });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::User', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { Roles: ['crdb-nodes'] });
  });
});
