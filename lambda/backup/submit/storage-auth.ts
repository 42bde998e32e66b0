import { EXTERNAL_ID, ROLE_ARN } from '../../../contract/assume-role-chain';

/**
 * How CockroachDB's nodes authenticate to S3, as the storage URI says it
 * (pkg/cloud/amazon/s3_storage.go, parseS3URL and newClient; docs "Cloud Storage
 * Authentication"):
 * - `access-key`: `AUTH` unset (= specified), the key in `AWS_ACCESS_KEY_ID` and
 *   `AWS_SECRET_ACCESS_KEY`;
 * - `implicit`: `AUTH=implicit`, the nodes' own AWS credentials (the SDK's default chain:
 *   environment, shared files and web identity, container, EC2 instance role), then each role
 *   of `ASSUME_ROLE` assumed in order with the previous one's credentials; the last role
 *   writes the collection.
 */
export type StorageAuth = { readonly mode: 'access-key' } | { readonly mode: 'implicit'; readonly assumeRoles: readonly AssumedRole[] };

/** One role of the chain, and the external id its trust policy requires, if any. */
export interface AssumedRole {
  readonly arn: string;
  readonly externalId?: string;
}

/**
 * Parses CockroachDB's ASSUME_ROLE value: roles separated by ',', each `<arn>` or
 * `<arn>;external_id=<id>` (pkg/cloud/uris.go, ParseRoleProvidersString: the last role is
 * the one assumed for the storage, the ones before it are delegates assumed first, in order).
 * Throws an Error that says what is wrong.
 */
export function parseAssumeRoleChain(value: string): AssumedRole[] {
  return value.split(',').map((entry, index) => {
    const [arn, ...fields] = entry.trim().split(';');
    if (!ROLE_ARN.test(arn)) throw new Error(`role ${index + 1} ('${arn}') is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`);
    if (fields.length === 0) return { arn };
    const match = fields.length === 1 ? /^external_id=(.*)$/.exec(fields[0]) : null;
    if (match === null || !EXTERNAL_ID.test(match[1])) {
      throw new Error(`role ${index + 1} has '${fields.join(';')}' after its ARN: expected ';external_id=<2-1224 characters of letters, digits and + = . @ : / - _>'`);
    }
    return { arn, externalId: match[1] };
  });
}

/** The chain as CockroachDB's ASSUME_ROLE value (cloudpb EncodeAsString: `<arn>;external_id=<id>`). */
export function formatAssumeRoleChain(roles: readonly AssumedRole[]): string {
  return roles.map((role) => (role.externalId === undefined ? role.arn : `${role.arn};external_id=${role.externalId}`)).join(',');
}
