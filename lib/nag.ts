import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * How cdk-nag names a CloudFormation value inside a finding id, e.g.
 * `AwsSolutions-IAM5[Resource::<BucketLogicalId.Arn>/prod/*]`: `Fn::GetAtt` as
 * `<LogicalId.Attribute>`, `Ref` as `<LogicalId>` (pseudo parameters as `<AWS::Region>`),
 * `Fn::Join` as the concatenation. Acknowledgements must name exactly one finding, so
 * the construct computes the name from the same token it put into the policy.
 */
export function nagValueName(scope: IConstruct, value: string): string {
  return render(Stack.of(scope).resolve(value));
}

function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const object = value as Record<string, unknown>;
    if (Array.isArray(object['Fn::GetAtt'])) return `<${(object['Fn::GetAtt'] as unknown[]).join('.')}>`;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const join = object['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) return (join[1] as unknown[]).map(render).join(String(join[0]));
  }
  return JSON.stringify(value);
}

/**
 * The id under which CDK reports (and acknowledges) a finding of AWS Control Tower's
 * proactive controls run by `@cdklabs/cdk-validator-cfnguard`: the plugin's name as the
 * namespace and the guard rule's name, e.g.
 * `cdk-validator-cfnguard::s3_event_notifications_enabled_check` for CT.S3.PR.4.
 */
export function controlTowerRuleId(guardRuleName: string): string {
  return `cdk-validator-cfnguard::${guardRuleName}`;
}

/**
 * The id under which CDK reports (and acknowledges) a finding of its own "CloudFormation
 * Validate" plugin, which every synthesis runs (cfn-lint's rules, e.g. W3011): the plugin's
 * name with spaces as dashes, then the rule (aws-cdk-lib core/lib/validation/private/validation-id).
 */
export function cloudFormationValidateRuleId(rule: string): string {
  return `CloudFormation-Validate::${rule}`;
}
