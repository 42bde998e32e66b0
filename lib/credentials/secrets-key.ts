import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

/**
 * What a function's role needs on the `secretsEncryptionKey` to read or write a secret: Secrets
 * Manager decrypts the secret's data key with the caller's permissions on GetSecretValue
 * (kms:Decrypt) and asks for a new data key on PutSecretValue (kms:GenerateDataKey); it makes no
 * other KMS request for our calls (Secrets Manager User Guide, "Secret encryption and decryption",
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html, sections
 * "Permissions for the KMS key" and "How Secrets Manager uses your KMS key").
 */
export const SECRETS_KEY_READ_ACTIONS = ['kms:Decrypt'] as const;
export const SECRETS_KEY_WRITE_ACTIONS = ['kms:GenerateDataKey'] as const;

/** What `ISecret.grantRead` grants on the secret itself (aws-cdk-lib), for the secrets the construct creates. */
const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] as const;

/** A secret a function reads, with the construct's secrets key when the construct created the secret with it. */
export interface ReadableSecret {
  readonly secret: secretsmanager.ISecret;
  /** The `secretsEncryptionKey` the construct encrypted this secret with; undefined for an imported secret or the AWS managed key. */
  readonly ownKey?: kms.IKey;
}

/**
 * The conditions of every use of a secret's key by a function: only through Secrets Manager in
 * the stack's region (`kms:ViaService`), and only for the one secret (`kms:EncryptionContext:SecretARN`:
 * Secrets Manager's requests to KMS carry the encryption context `{"SecretARN": <the secret's ARN>,
 * "SecretVersionId": <the version>}`, User Guide "Secret encryption and decryption", section
 * "Secrets Manager encryption context"). A role holding these cannot decrypt anything with the
 * key directly, nor another secret under the same key. The secret's full ARN is needed for the
 * second condition; an imported secret known by name or partial ARN gets the first only.
 */
export function secretsKeyConditions(secret: secretsmanager.ISecret): Record<string, Record<string, string>> {
  const fullArn = secret.secretFullArn;
  return { StringEquals: { 'kms:ViaService': secretsManagerService(secret), ...(fullArn === undefined ? {} : { 'kms:EncryptionContext:SecretARN': fullArn }) } };
}

export function secretsManagerService(scope: IConstruct): string {
  return `secretsmanager.${Stack.of(scope).region}.amazonaws.com`;
}

/**
 * Lets `role` read a secret. A secret the construct created with the secrets key gets the
 * narrow statements above instead of `ISecret.grantRead`, whose KMS grant would go to the key
 * policy without the secret's encryption context. Any other secret goes through
 * `ISecret.grantRead`, as before the secrets key existed (the default template stays as it
 * was). For an imported secret whose `ISecret` knows its `encryptionKey`, grantRead's KMS grant
 * reaches only a key policy this app can change (kms.ViaServicePrincipal takes no identity
 * statement), so an imported key would grant nothing: the role gets kms:Decrypt on that key
 * through Secrets Manager in its own policy.
 */
export function grantSecretRead(role: iam.IRole, readable: ReadableSecret): void {
  if (readable.ownKey === undefined) {
    readable.secret.grantRead(role);
    if (readable.secret.encryptionKey !== undefined) allowSecretsKeyUse(role, readable.secret, readable.secret.encryptionKey, SECRETS_KEY_READ_ACTIONS);
    return;
  }
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...SECRET_READ_ACTIONS], resources: [readable.secret.secretArn] }));
  allowSecretsKeyUse(role, readable.secret, readable.ownKey, SECRETS_KEY_READ_ACTIONS);
}

/** `actions` on the secrets key for one secret, through Secrets Manager only (secretsKeyConditions). */
export function allowSecretsKeyUse(role: iam.IRole, secret: secretsmanager.ISecret, key: kms.IKey, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [key.keyArn], conditions: secretsKeyConditions(secret) }));
}
