import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CockroachBackup, StorageCredentials } from '../../../lib';
import { StsRole, TrustPolicy } from '../../support/aws/sts-double';

export const TEMPLATE_ACCOUNT = '123456789012';

/** What a keyless deployment gives the doubles: the Lambda's credential variables and the roles as STS knows them. */
export interface KeylessDeployment {
  /** STORAGE_AUTH and ASSUME_ROLE_CHAIN as the template sets them, tokens resolved. */
  readonly environment: Record<string, string>;
  /** Every role of the template with its trust policy (the ARN is `arn:aws:iam::<account>:role/<logical id>`). */
  readonly roles: readonly StsRole[];
  /** The role whose policy is BackupPolicy (logical id 'BackupRole...'), as STS knows it. */
  readonly backupRoleArn?: string;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Synthesizes a CockroachBackup and reads what the doubles need from its template, so that
 * the fake STS decides with the trust policy the construct really writes: CloudFormation's
 * intrinsics the template uses here (Ref of the pseudo parameters, Fn::GetAtt <role>.Arn,
 * Fn::Join) are resolved as CloudFormation would in account TEMPLATE_ACCOUNT.
 */
export function keylessDeployment(credentials: (stack: Stack) => StorageCredentials, buckets: readonly string[]): KeylessDeployment {
  const app = new App();
  const stack = new Stack(app, 'Keyless', { env: { account: TEMPLATE_ACCOUNT, region: 'eu-west-1' } });
  new CockroachBackup(stack, 'Backup', { collection: 'prod_1/cluster', storageCredentials: credentials(stack) });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, Json> }>;
  const roleArn = (logicalId: string): string => `arn:aws:iam::${TEMPLATE_ACCOUNT}:role/${logicalId}`;
  const resolve = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    if ('Ref' in value) return ({ 'AWS::Partition': 'aws', 'AWS::AccountId': TEMPLATE_ACCOUNT, 'AWS::Region': 'eu-west-1' } as Record<string, string>)[value.Ref as string] ?? `ref-${String(value.Ref)}`;
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'] as [string, string];
      if (attribute !== 'Arn' || resources[id]?.Type !== 'AWS::IAM::Role') throw new Error(`unexpected Fn::GetAtt ${id}.${attribute}`);
      return roleArn(id);
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((part) => String(resolve(part))).join(separator);
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolve(inner)]));
  };
  const lambdas = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function');
  const variables = resolve((lambdas[0].Properties.Environment as { Variables: Json }).Variables) as Record<string, string>;
  const roleIds = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::IAM::Role');
  const backupRoleId = roleIds.find((id) => id.includes('BackupRole'));
  return {
    environment: Object.fromEntries(Object.entries(variables).filter(([name]) => name === 'STORAGE_AUTH' || name === 'ASSUME_ROLE_CHAIN')),
    roles: roleIds.map((id) => ({
      arn: roleArn(id),
      trustPolicy: resolve(resources[id].Properties.AssumeRolePolicyDocument) as unknown as TrustPolicy,
      buckets: id === backupRoleId ? buckets : [],
    })),
    backupRoleArn: backupRoleId === undefined ? undefined : roleArn(backupRoleId),
  };
}
