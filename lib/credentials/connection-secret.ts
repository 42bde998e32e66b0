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
export function connectionSecret(scope: Construct, existing: secretsmanager.ISecret | undefined, encryptionKey: kms.IKey | undefined): ReadableSecret {
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
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      "The password belongs to a CockroachDB SQL user; Secrets Manager has no rotation function for CockroachDB, so a rotation is " +
      'done in two steps by the operator (ALTER USER ... WITH PASSWORD, then PutSecretValue). The backup Lambda ' +
      'fetches the secret again after an authentication failure, so a rotation needs no redeploy.',
  });
  return { secret, ownKey: encryptionKey };
}
