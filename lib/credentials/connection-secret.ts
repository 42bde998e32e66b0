import { Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ReadableSecret } from './secrets-key';

/**
 * The connection secret's fields other than the generated password, as created by the
 * construct. host and ca are empty: fill them in after deploy. 26257 is CockroachDB's
 * default SQL port; 'backup' is the SQL user the runbook creates (`CREATE USER backup;
 * GRANT SYSTEM BACKUP TO backup;`).
 */
export const CONNECTION_SECRET_TEMPLATE = {
  host: '',
  port: 26257,
  username: 'backup',
  dbname: 'defaultdb',
  ca: '',
} as const;

/**
 * The existing connection secret, or a new one (id 'ConnectionSecret') from the
 * template above with a generated 32-character password. Punctuation is left out of
 * the password so that it can be pasted into `ALTER USER backup WITH PASSWORD '...'`
 * and connection strings without quoting mistakes; 32 letters and digits still give
 * about 190 bits. A new secret is encrypted with `encryptionKey` (undefined: the AWS managed
 * key aws/secretsmanager); an existing one keeps its own key.
 */
export function connectionSecret(scope: Construct, existing: secretsmanager.ISecret | undefined, encryptionKey: kms.IKey | undefined, rotated: boolean): ReadableSecret {
  if (existing !== undefined) return { secret: existing };
  const secret = new secretsmanager.Secret(scope, 'ConnectionSecret', {
    encryptionKey,
    description:
      `CockroachDB connection for the backups of ${scope.node.path}: fill in host and ca (PEM of the cluster CA), ` +
      'check port, username and dbname, and give the SQL user this password',
    generateSecretString: {
      secretStringTemplate: JSON.stringify(CONNECTION_SECRET_TEMPLATE),
      generateStringKey: 'password',
      passwordLength: 32,
      excludePunctuation: true,
    },
  });
  // With connectionPasswordRotation the secret has a rotation schedule and SMG4 passes.
  if (!rotated) {
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The password belongs to a CockroachDB SQL user, and automatic rotation (the connectionPasswordRotation prop, ' +
        "docs/password-rotation.md) is opt-in: the user's own password change needs the cluster setting " +
        'sql.auth.change_own_password.enabled, off by default, which only an admin of the cluster can turn on. Without the prop ' +
        'the operator rotates by hand (ALTER USER ... WITH PASSWORD, then PutSecretValue); the backup Lambda fetches ' +
        'the secret again after an authentication failure, so that needs no redeploy.',
    });
  }
  return { secret, ownKey: encryptionKey };
}
