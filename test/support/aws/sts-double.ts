import { randomBytes } from 'crypto';
import { AccessKeyStore, StoredAccessKey, tokenMatches } from './access-key-store';
import { ServiceAnswer, ServiceRequest, startLocalService } from './local-service';
import { parseAuthorization, signatureMatches } from '../storage/sigv4';

/**
 * A fake AWS STS for AssumeRole, speaking STS's Query API (form-encoded POST
 * `Action=AssumeRole&Version=2011-06-15&RoleArn=...&RoleSessionName=...[&ExternalId=...]`,
 * XML answers), on 127.0.0.1 like the fake IAM. It decides as STS does, from the role's
 * trust policy (taken from the synthesized template by the tests):
 * - the request must be signed (SigV4) by a key of the shared AccessKeyStore, with its
 *   session token when the key is temporary; otherwise 403 InvalidClientTokenId /
 *   SignatureDoesNotMatch;
 * - an Allow statement with `sts:AssumeRole` must name the caller: the caller's role ARN
 *   (a session of that role), its user ARN, or its account (`arn:aws:iam::<account>:root` or
 *   the bare id), which in AWS delegates to the caller's own policies: then the caller's
 *   identity policy must allow the role too (`identityPolicies`, IAM User Guide, "How IAM
 *   roles differ from resource-based policies" / "Granting a user permissions to switch roles");
 * - its conditions must hold: `StringEquals` on `sts:ExternalId` is compared with the request's
 *   ExternalId; any other condition key is not modelled and fails (strict, never lenient);
 * - otherwise, and for a role that does not exist, 403 AccessDenied with STS's message
 *   `User: <caller ARN> is not authorized to perform: sts:AssumeRole on resource: <role ARN>`.
 * Issued credentials (ASIA... key, secret, session token) go into the AccessKeyStore with the
 * role's buckets, so the S3 server accepts them, with the token, for those buckets only.
 * Deny statements and session expiry are not modelled.
 */
export interface TrustPolicy {
  readonly Statement: readonly TrustStatement[];
}

export interface TrustStatement {
  readonly Effect: string;
  readonly Action: string | readonly string[];
  readonly Principal?: { readonly AWS?: string | readonly string[] } | string;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface StsRole {
  readonly arn: string;
  /** AssumeRolePolicyDocument, with tokens resolved to ARNs (see test/lib/helpers for the template's). */
  readonly trustPolicy: TrustPolicy;
  /** Buckets the role's sessions may use in the S3 server (its permission policy); all when omitted. */
  readonly buckets?: readonly string[];
}

export interface StsDoubleOptions {
  readonly keys: AccessKeyStore;
  readonly roles: readonly StsRole[];
  /** Per caller role or user ARN, the roles its own policy lets it assume (needed where a trust policy names only the account). */
  readonly identityPolicies?: Readonly<Record<string, readonly string[]>>;
}

export interface StsCall {
  readonly roleArn: string;
  readonly callerArn: string;
  readonly externalId?: string;
  readonly outcome: 'issued' | 'AccessDenied';
}

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface StsDouble {
  readonly endpoint: string;
  /** Every AssumeRole call received, in order (never a secret). */
  readonly calls: readonly StsCall[];
  /**
   * Credentials of a session of `roleArn` as the platform hands them to a node (instance
   * profile, IRSA, Pod Identity): not through AssumeRole, so no trust policy is consulted.
   */
  sessionOf(roleArn: string, sessionName: string, buckets?: readonly string[]): TemporaryCredentials;
  stop(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function error(status: number, code: string, message: string): ServiceAnswer {
  const body = `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xml(message)}</Message></Error><RequestId>${randomBytes(16).toString('hex')}</RequestId></ErrorResponse>`;
  return { status, contentType: 'text/xml', body };
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const temporaryKeyId = (): string => `ASIA${[...randomBytes(16)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('')}`;

/** `arn:aws:iam::<account>:role/<path/name>` -> account and the name without path. */
function roleParts(arn: string): { account: string; name: string } | undefined {
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match === null ? undefined : { account: match[1], name: match[2] };
}

function accountOf(callerArn: string): string | undefined {
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(callerArn)?.[1];
}

const asList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value);

export async function startStsDouble(options: StsDoubleOptions): Promise<StsDouble> {
  const calls: StsCall[] = [];
  const roles = new Map(options.roles.map((role) => [role.arn, role]));

  const issue = (role: StsRole | { arn: string; buckets?: readonly string[] }, sessionName: string): TemporaryCredentials => {
    const parts = roleParts(role.arn);
    if (parts === undefined) throw new Error(`not a role ARN: ${role.arn}`);
    const stored = options.keys.add({
      accessKeyId: temporaryKeyId(),
      sessionToken: randomBytes(48).toString('base64'),
      buckets: role.buckets,
      roleArn: role.arn,
      callerArn: `arn:aws:sts::${parts.account}:assumed-role/${parts.name}/${sessionName}`,
    });
    return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey, sessionToken: stored.sessionToken ?? '' };
  };

  /** Whether one of the role's statements lets this caller assume it with this external id. */
  const trusted = (role: StsRole, caller: StoredAccessKey, callerArn: string, externalId: string | undefined): boolean =>
    role.trustPolicy.Statement.some((statement) => {
      if (statement.Effect !== 'Allow') return false;
      if (!asList(statement.Action).some((action) => action === 'sts:AssumeRole' || action === 'sts:*' || action === '*')) return false;
      const principals = typeof statement.Principal === 'string' ? [statement.Principal] : asList(statement.Principal?.AWS);
      const named = principals.some((principal) => {
        if (principal === '*') return true;
        if (principal === caller.roleArn || principal === callerArn) return true;
        const account = /^(?:arn:aws[a-z-]*:iam::(\d{12}):root|(\d{12}))$/.exec(principal);
        const trustedAccount = account?.[1] ?? account?.[2];
        if (trustedAccount === undefined || trustedAccount !== accountOf(callerArn)) return false;
        // The account delegates to its principals' own policies.
        const identity = caller.roleArn ?? callerArn;
        return (options.identityPolicies?.[identity] ?? []).includes(role.arn);
      });
      if (!named) return false;
      return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
        Object.entries(keys).every(([key, expected]) => operator === 'StringEquals' && key === 'sts:ExternalId' && asList(expected).includes(externalId ?? '\u0000')),
      );
    });

  const answer = (request: ServiceRequest): ServiceAnswer => {
    const params = new URLSearchParams(request.body);
    if (params.get('Action') !== 'AssumeRole') return error(400, 'InvalidAction', `Could not find operation ${params.get('Action') ?? ''} for version 2011-06-15`);
    const auth = parseAuthorization(request.headers.authorization);
    const caller = auth === undefined ? undefined : options.keys.authenticate(auth.accessKeyId);
    if (auth === undefined || caller === undefined || !tokenMatches(caller, request.headers['x-amz-security-token'])) {
      return error(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    const signed = { method: request.method, url: request.url, headers: request.headers, body: Buffer.from(request.body, 'utf8') };
    if (!signatureMatches(signed, auth, caller.secretAccessKey)) {
      return error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    }
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const externalId = params.get('ExternalId') ?? undefined;
    const callerArn = caller.callerArn ?? `arn:aws:iam::000000000000:user/${caller.userName ?? 'unknown'}`;
    const role = roles.get(roleArn);
    if (role === undefined || !trusted(role, caller, callerArn, externalId)) {
      calls.push({ roleArn, callerArn, externalId, outcome: 'AccessDenied' });
      return error(403, 'AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    }
    const credentials = issue(role, sessionName);
    calls.push({ roleArn, callerArn, externalId, outcome: 'issued' });
    const parts = roleParts(role.arn)!;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const body =
      `<AssumeRoleResponse xmlns="${NAMESPACE}"><AssumeRoleResult><Credentials>` +
      `<AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${xml(credentials.secretAccessKey)}</SecretAccessKey>` +
      `<SessionToken>${xml(credentials.sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `<AssumedRoleUser><AssumedRoleId>AROA${parts.account}:${xml(sessionName)}</AssumedRoleId>` +
      `<Arn>arn:aws:sts::${parts.account}:assumed-role/${parts.name}/${xml(sessionName)}</Arn></AssumedRoleUser>` +
      `</AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(16).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
    return { status: 200, contentType: 'text/xml', body };
  };

  const service = await startLocalService(answer, error(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'));
  return {
    endpoint: service.endpoint,
    calls,
    sessionOf: (roleArn, sessionName, buckets) => issue({ arn: roleArn, buckets }, sessionName),
    stop: () => service.stop(),
  };
}
