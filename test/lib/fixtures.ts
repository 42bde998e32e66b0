import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CockroachBackup, CockroachBackupProps } from '../../lib';

/**
 * An app that skips asset staging (the context key `cdk ls` uses), so tests that look
 * at everything but the Lambda's code do not copy and hash the bundle; the tests of the
 * asset and of the example app stage it for real.
 */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export interface Synthesized {
  readonly stack: Stack;
  readonly backup: CockroachBackup;
  readonly template: Template;
}

/** One stack with one CockroachBackup 'Backup' and the given props, synthesized. */
export function synthBackup(props: Partial<CockroachBackupProps> = {}, collection = 'prod/cluster-1'): Synthesized {
  const stack = new Stack(appWithoutBundling(), 'TestStack');
  const backup = new CockroachBackup(stack, 'Backup', { collection, ...props });
  return { stack, backup, template: Template.fromStack(stack) };
}

/** Builds a CockroachBackup in a fresh stack and returns the error it throws (or fails the test). */
export function constructionError(props: Partial<CockroachBackupProps>, collection = 'prod/cluster-1'): string {
  const stack = new Stack(appWithoutBundling(), 'TestStack');
  try {
    new CockroachBackup(stack, 'Backup', { collection, ...props });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the construct to refuse these props, but it was created');
}

/** The logical ID of a construct's default CloudFormation resource. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
}

/** The statements of the inline policies attached to a role (by its logical ID). */
export function roleStatements(template: Template, roleId: string): unknown[] {
  return Object.values(template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles ?? []).includes(roleId))
    .flatMap((r) => (r.Properties?.PolicyDocument as { Statement: unknown[] }).Statement);
}
