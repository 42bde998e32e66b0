import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** A rotation of one secret by one of the construct's functions: construct IDs and the schedule's settings. */
export interface SecretRotationSettings {
  /** IDs of the Lambda permission and of the rotation schedule (a contract: never renamed). */
  readonly ids: { readonly permission: string; readonly schedule: string };
  readonly fn: lambda.IFunction;
  readonly secret: secretsmanager.ISecret;
  /** Secrets Manager's AutomaticallyAfterDays (validated: checkRotationDays). */
  readonly days: number;
  /** Whether a deploy that creates or changes the schedule rotates at once. */
  readonly rotateImmediatelyOnUpdate: boolean;
}

/**
 * Secrets Manager may invoke the function for this secret only (aws:SourceArn and
 * aws:SourceAccount, https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets-required-permissions-function.html),
 * and an AWS::SecretsManager::RotationSchedule makes it rotate the secret every `days` days,
 * created after the permission (Secrets Manager checks that it may invoke the function when the
 * schedule is set). The CDK's `addRotationSchedule` is not used: it grants
 * `secretsmanager:GetRandomPassword` on `*`, which none of the functions calls.
 */
export function secretRotation(scope: Construct, settings: SecretRotationSettings): secretsmanager.CfnRotationSchedule {
  const permission = new lambda.CfnPermission(scope, settings.ids.permission, {
    action: 'lambda:InvokeFunction',
    functionName: settings.fn.functionArn,
    principal: 'secretsmanager.amazonaws.com',
    sourceArn: settings.secret.secretArn,
    sourceAccount: Stack.of(scope).account,
  });
  const schedule = new secretsmanager.CfnRotationSchedule(scope, settings.ids.schedule, {
    secretId: settings.secret.secretArn,
    rotationLambdaArn: settings.fn.functionArn,
    rotationRules: { automaticallyAfterDays: settings.days },
    rotateImmediatelyOnUpdate: settings.rotateImmediatelyOnUpdate,
  });
  schedule.node.addDependency(permission);
  return schedule;
}
