/**
 * The access-key rotation function: Secrets Manager's four rotation steps for the
 * access-key secret, and the `retire-previous-key` event (README.md in this directory).
 *
 * The AWS calls it makes, for its least-privilege policy (lib/ encodes it):
 * - IAM, on the backup user only (`arn:aws:iam::<account>:user/<path><name>`):
 *   iam:ListAccessKeys, iam:CreateAccessKey, iam:UpdateAccessKey, iam:DeleteAccessKey;
 * - Secrets Manager, on the access-key secret only:
 *   secretsmanager:DescribeSecret, secretsmanager:GetSecretValue,
 *   secretsmanager:PutSecretValue, secretsmanager:UpdateSecretVersionStage
 *   (no ListSecretVersionIds: GetSecretValue's answer carries the version's creation time);
 *   plus kms:Decrypt and kms:GenerateDataKey on the secret's key when it is a customer-managed one;
 * - S3: nothing. testSecret signs its request with the new key, whose own (the backup user's)
 *   permissions it tests.
 * Its environment: contract/rotation.ts (ROTATION_ENV) and ACCESS_KEY_SECRET_ARN of
 * contract/environment.ts (the secret the retirement reads and the only one it rotates).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseRotationSettings } from './config';
import { RotationSummary } from './report';
import { RotationDependencies, runRotation } from './run';

let dependencies: RotationDependencies | undefined;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The Lambda entry (`index.handler` in dist/rotation-lambda/): clients are made once per cold start. */
export async function handler(event: unknown): Promise<RotationSummary> {
  dependencies ??= {
    settings: parseRotationSettings(process.env),
    // The SDK reads the region from AWS_REGION (set by Lambda) and honours AWS_ENDPOINT_URL_IAM
    // and AWS_ENDPOINT_URL_SECRETS_MANAGER, which point the tests at the fakes.
    secretsManager: new SecretsManagerClient({}),
    iam: new IAMClient({}),
    sleep,
    now: () => new Date(),
  };
  return runRotation(event, dependencies);
}
