import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseAccessKeySecret } from '../backup/connect/secrets';
import { AccessKey } from '../backup/submit/storage';
import { RotatedSecret, SecretFormat } from './rotated-secret';

/** The access-key secret's JSON, `{"accessKeyId","secretAccessKey"}`, read by the backup Lambda's own parser. */
const ACCESS_KEY_FORMAT: SecretFormat<AccessKey> = {
  name: 'access-key secret',
  parse: parseAccessKeySecret,
  serialize: (key) => JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }),
};

/** The access-key secret, as the access-key rotation function reads and writes it. */
export class AccessKeySecret extends RotatedSecret<AccessKey> {
  constructor(client: SecretsManagerClient, secretId: string) {
    super(client, secretId, ACCESS_KEY_FORMAT);
  }
}
