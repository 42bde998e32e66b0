import { DefaultStackSynthesizer, Fn, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { invalid } from '../validation';

/**
 * The KMS actions that lose a key's data for good or take the key away from everyone: a
 * deletion (after the pending window every ciphertext is unreadable, Object Lock or not), a
 * disable (nothing decrypts until someone enables it again) and a new key policy (which can
 * shut everyone else out, or undo this protection).
 */
export const KEY_LOSS_ACTIONS = ['kms:ScheduleKeyDeletion', 'kms:DisableKey', 'kms:PutKeyPolicy'] as const;

/**
 * Key policies that keep a key from being lost by accident, or by an administrator who cannot
 * deploy the stack: the deploy role is always admitted (below), so whoever can deploy the stack,
 * or assume its deploy role, can still delete, disable or re-policy the key.
 */
export class BackupKeyProtection {
  /**
   * Adds a statement to the key's policy that denies `kms:ScheduleKeyDeletion`,
   * `kms:DisableKey` and `kms:PutKeyPolicy` to every principal but `administrators` (matched by
   * `aws:PrincipalArn`, so a role's sessions count as the role). The role CloudFormation deploys
   * the stack with (the `cdk bootstrap` execution role of the default synthesizer) is always
   * admitted: it writes the key policy on every deploy that changes it, and KMS refuses a policy
   * that would lock its caller out. Use it on the bucket's customer managed key, whose deletion
   * makes every backup unreadable: `BackupKeyProtection.denyKeyLossExceptTo(bucketKey, [breakGlassRole])`,
   * and on the `secretsEncryptionKey`, whose deletion makes both secrets unreadable and stops the backups.
   *
   * @param key a key created in this app (an imported key's policy cannot be changed)
   * @param administrators the roles that may still delete, disable or re-policy the key
   */
  public static denyKeyLossExceptTo(key: kms.IKey, administrators: iam.IRole[]): void {
    if (!(key instanceof kms.Key)) {
      invalid(key, 'key', key.keyArn, 'a kms.Key created in this app: the policy of an imported key cannot be changed here');
    }
    const arns = [...administrators.map((role) => role.roleArn), ...deployerRoleArns(key)];
    if (arns.length === 0) {
      invalid(key, 'administrators', '[]', 'at least one role (or a stack deployed through the default synthesizer, whose execution role is admitted): KMS refuses a policy that locks everyone out');
    }
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyKeyLossExceptToKeyAdministrators',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...KEY_LOSS_ACTIONS],
        resources: ['*'],
        conditions: { ArnNotLike: { 'aws:PrincipalArn': arns } },
      }),
    );
  }

  private constructor() {}
}

/**
 * The CloudFormation execution role of the key's stack, when its synthesizer names one. The
 * synthesizer gives it with `${AWS::AccountId}`-style placeholders (for the deploy manifest),
 * which a template value needs inside Fn::Sub.
 */
function deployerRoleArns(scope: IConstruct): string[] {
  const synthesizer = Stack.of(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) return [];
  const arn = synthesizer.cloudFormationExecutionRoleArn;
  return arn === undefined || (!Token.isUnresolved(arn) && arn === '') ? [] : [Fn.sub(arn)];
}
