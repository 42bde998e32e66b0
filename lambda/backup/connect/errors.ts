import { redactedMessage } from '../report/redact';
import { credentialFailure, CredentialFailure } from '../decide/classify';

/**
 * A failure a person can act on: the message says what happened and what to do. It is
 * already redacted, so it can be logged and thrown as is.
 */
export class BackupFailure extends Error {
  constructor(
    message: string,
    /** SQLSTATE or Node error code of the cause, for tests and logs. */
    readonly code?: string,
    /** CockroachDB's own message (redacted), for a caller that explains a refusal its own way. */
    readonly serverMessage?: string,
  ) {
    super(redactedMessage(message));
    this.name = 'BackupFailure';
  }
}

/** SQLSTATE / Node error code of an error, if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** invalid_password, invalid_authorization_specification: wrong or rotated password, unknown user. */
export function isAuthenticationFailure(error: unknown): boolean {
  const code = errorCode(error);
  return code === '28P01' || code === '28000';
}

// Node's TLS verification failures (OpenSSL X509 verify codes, plus the host name check).
const TLS_VERIFY_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly username: string;
}

/** Explains why the connection could not be established, never quoting the password. */
export function describeConnectFailure(error: unknown, endpoint: Endpoint, timeoutMs: number, timedOut: boolean): BackupFailure {
  const where = `cannot connect to the cluster at ${endpoint.host}:${endpoint.port}`;
  const code = errorCode(error);
  const message = redactedMessage(error);
  if (isAuthenticationFailure(error)) {
    return new BackupFailure(
      `${where}: authentication of user ${endpoint.username} failed (${code}: ${message}); check username and password in the connection secret`,
      code,
    );
  }
  if (code !== undefined && TLS_VERIFY_CODES.has(code)) {
    return new BackupFailure(
      `${where}: TLS verification failed (${code}): the server certificate does not match the CA in the connection secret ("ca") or the host name; put the cluster's CA certificate (ca.crt) in the secret`,
      code,
    );
  }
  if (code === 'ECONNREFUSED') return new BackupFailure(`${where}: connection refused (nothing listens on that port, or a firewall rejects it)`, code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new BackupFailure(`${where}: the host name does not resolve (${code})`, code);
  if (timedOut || code === 'ETIMEDOUT' || /timeout/i.test(message)) {
    return new BackupFailure(
      `${where}: timed out after ${timeoutMs} ms (no answer: check the security group, network path and that the cluster is up)`,
      code ?? 'ETIMEDOUT',
    );
  }
  if (/does not support SSL/i.test(message)) return new BackupFailure(`${where}: the server does not accept TLS connections`, code);
  if (/terminated|ECONNRESET|socket hang up/i.test(message) || code === 'ECONNRESET') {
    return new BackupFailure(`${where}: the connection was closed during the handshake (${message})`, code);
  }
  return new BackupFailure(`${where}: ${message}`, code);
}

/**
 * The system privilege whose GRANT fixes a refusal (42501), from the privilege
 * CockroachDB's message names; undefined when no GRANT is the fix:
 * - BACKUP, for BACKUP (pkg/backup/backup_planning.go);
 * - EXTERNALCONNECTION, to create an external connection;
 * - VIEWCLUSTERMETADATA, to read an external connection the user does not own
 *   (pkg/sql/show_create_external_connection.go);
 * - EXTERNALIOIMPLICITACCESS, for a storage URI without explicit keys: AUTH=implicit (the
 *   keyless modes), or AWS_ENDPOINT, which CockroachDB counts as implicit access (an
 *   S3-compatible store): "only users with the admin role or the EXTERNALIOIMPLICITACCESS system
 *   privilege are allowed to access the specified s3 URI" (pkg/cloud/cloudprivilege/privileges.go);
 * - RESTORE, for a restore drill: "... the RESTORE system privilege ..." or, for a database
 *   restore without RESTORE or CREATEDB, "only users with the CREATEDB privilege can restore
 *   databases", whose hint says RESTORE DATABASE will require RESTORE alone
 *   (checkPrivilegesForRestore, pkg/backup/restore_planning.go).
 * Anything else, such as the internals gate of v26.1 ("Access to crdb_internal and
 * system is restricted"), is not a privilege the Lambda should be given.
 */
export function privilegeToGrant(message: string): string | undefined {
  for (const privilege of ['EXTERNALIOIMPLICITACCESS', 'VIEWCLUSTERMETADATA', 'EXTERNALCONNECTION']) {
    if (message.includes(privilege)) return privilege;
  }
  if (/\bRESTORE system privilege\b|can restore databases/.test(message)) return 'RESTORE';
  return /\bBACKUP system privilege\b/.test(message) ? 'BACKUP' : undefined;
}

/** The advice for a refusal: the GRANT that fixes it, or CockroachDB's own words and no GRANT. */
function describeRefusal(error: unknown, what: string, username: string): BackupFailure {
  const message = redactedMessage(error);
  const privilege = privilegeToGrant(message);
  if (privilege !== undefined) {
    return new BackupFailure(`${what} was refused: user ${username} lacks a privilege (${message}); run GRANT SYSTEM ${privilege} TO ${username}`, '42501', message);
  }
  const hint = typeof error === 'object' && error !== null ? (error as { hint?: unknown }).hint : undefined;
  return new BackupFailure(
    `${what} was refused (42501: ${message}${typeof hint === 'string' && hint !== '' ? `; CockroachDB's hint: ${hint}` : ''}). ` +
      'This is not a privilege the backup user needs (it needs only BACKUP, EXTERNALCONNECTION in external-connection mode, ' +
      'EXTERNALIOIMPLICITACCESS with keyless storage credentials, and RESTORE for restore drills): no GRANT is recommended',
    '42501',
    message,
  );
}

/** Explains a failed statement, with the fix for the failures a person can fix. */
export function describeStatementFailure(error: unknown, what: string, username: string, timeoutMs: number): BackupFailure {
  const code = errorCode(error);
  const message = redactedMessage(error);
  if (code === '42501') return describeRefusal(error, what, username);
  if (message === 'Query read timeout' || code === '57014') {
    return new BackupFailure(`${what} did not complete within ${timeoutMs} ms (statement timeout)`, code ?? 'TIMEOUT');
  }
  if (/Connection terminated|ECONNRESET|not queryable/i.test(message)) {
    // The statement may have run before the connection broke: the next run's look at
    // the job table finds out (a submitted backup is then reported, not repeated).
    return new BackupFailure(`${what} failed: the connection to the cluster was lost (${message}); whether it took effect is unknown until the next run reads the job table`, code);
  }
  const advice = credentialAdvice(message);
  return new BackupFailure(`${what} failed: ${code !== undefined ? `${code}: ` : ''}${message}${advice === undefined ? '' : `. ${advice}`}`, code);
}

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>` -> the role's ARN, which trust policies name. */
function roleOfSession(caller: string): string {
  const match = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(caller);
  return match === null ? caller : `arn:${match[1]}:iam::${match[2]}:role/${match[3]}`;
}

function adviceFor(failure: CredentialFailure): string {
  switch (failure.kind) {
    case 'assume-role-denied': {
      const caller = roleOfSession(failure.caller);
      return (
        `STS refused to let ${caller} assume ${failure.role}. The trust policy of ${failure.role} must allow sts:AssumeRole for ${caller}, ` +
        'with an sts:ExternalId condition equal to the external_id after that role in ASSUME_ROLE_CHAIN (the construct writes both). ' +
        `If ${failure.role} is the construct's BackupRole: for CockroachDB Cloud, check that the identity role ARN given to ` +
        "StorageCredentials.cloudIdentityRole is this cluster's (arn:aws:iam::<account_id>:role/crl-dr-store-user-<last 12 characters of the cluster id>, " +
        "both from GET https://cockroachlabs.cloud/api/v1/clusters); for self-hosted nodes, the nodes' role needs its own permission too " +
        '(storageRole.grantAssumeRole(nodesRole), or pass it as StorageCredentials.implicit({ nodeRole })). ' +
        `If ${failure.role} is CockroachDB Cloud's identity role, only an Advanced cluster on AWS has one, and only that cluster may assume it`
      );
    }
    case 'no-node-credentials':
      return (
        'The nodes have no AWS credentials of their own for AUTH=implicit (the AWS SDK found none in the environment, a web identity token, ' +
        'the container credentials endpoint or the EC2 instance profile): give the EC2 instances an instance profile, or the CockroachDB pods ' +
        'a role (IRSA: annotate their service account with eks.amazonaws.com/role-arn; or an EKS Pod Identity association), on every node. ' +
        'Outside AWS, use StorageCredentials.accessKey()'
      );
    case 'implicit-disabled':
      return 'The nodes were started with --external-io-disable-implicit-credentials: restart them without it, or use StorageCredentials.accessKey()';
  }
}

/** What to do about a keyless credential failure in a job's or a statement's error, if it is one. */
export function credentialAdvice(error: string): string | undefined {
  const failure = credentialFailure(error);
  return failure === undefined ? undefined : adviceFor(failure);
}

/**
 * S3's error codes for a request it refused because of the access key: a key that does
 * not exist (deleted, or deactivated *unconfirmed*: S3 answers with the same code),
 * a wrong secret key, or a key whose user may not do this (AccessDenied, which a policy
 * change causes as well). CockroachDB puts the S3 error inside a job's error text,
 * e.g. `... failed to get s3 object: InvalidAccessKeyId: The AWS Access Key Id you
 * provided does not exist in our records.` (pkg/cloud/amazon/s3_storage.go wraps the SDK
 * error; the code is in it whichever SDK version the node uses).
 */
export const S3_KEY_REJECTIONS = ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'] as const;

export type S3KeyRejection = (typeof S3_KEY_REJECTIONS)[number];

/** The S3 key rejection a job's error names, if any. */
export function s3KeyRejection(jobError: string): S3KeyRejection | undefined {
  return S3_KEY_REJECTIONS.find((code) => new RegExp(`\\b${code}\\b`).test(jobError));
}
