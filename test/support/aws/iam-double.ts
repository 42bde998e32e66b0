import { randomBytes } from 'crypto';
import { AccessKeyStatus, AccessKeyStore, StoredAccessKey } from './access-key-store';
import { ServiceAnswer, startLocalService } from './local-service';

/**
 * A fake IAM for the access-key calls, speaking IAM's Query API as @aws-sdk/client-iam
 * sends it (form-encoded POST `Action=...&Version=2010-05-08`, XML answers; the SDK
 * honours `AWS_ENDPOINT_URL_IAM`): CreateAccessKey, ListAccessKeys, UpdateAccessKey,
 * DeleteAccessKey. Keys live in the AccessKeyStore the S3 server authenticates with, so a
 * key created here signs S3 requests, and one deactivated or deleted here is refused.
 * Errors are IAM's: LimitExceeded (409) at two keys per user (IAM's quota
 * AccessKeysPerUser), NoSuchEntity (404) for an unknown user or key.
 */
export interface IamDoubleOptions {
  readonly keys: AccessKeyStore;
  /** The IAM users that exist. */
  readonly users: readonly string[];
  /**
   * S3 look-ups that miss a key created here before S3 knows it (IAM is eventually
   * consistent: a new key takes seconds to work). Default 0.
   */
  readonly newKeyPropagationLookups?: number;
  /** Buckets the keys created here may use (default all): a test's way to make a new key lack access. */
  readonly newKeyBuckets?: readonly string[];
}

export interface IamCall {
  readonly action: string;
  readonly userName?: string;
  readonly accessKeyId?: string;
  readonly status?: string;
}

export interface IamDouble {
  readonly endpoint: string;
  /** Every call received, in order (never a secret: IAM requests carry none). */
  readonly calls: readonly IamCall[];
  stop(): Promise<void>;
}

/**
 * IAM's quota AccessKeysPerUser. Stated here, not imported from the rotation function's own
 * constant (lambda/rotation/key-lifecycle.ts): the fake models AWS, so a wrong belief in the
 * function cannot make its tests pass.
 */
export const ACCESS_KEYS_PER_USER = 2;

const NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function requestId(): string {
  return randomBytes(16).toString('hex');
}

function success(action: string, result: string): ServiceAnswer {
  const body =
    `<${action}Response xmlns="${NAMESPACE}">` +
    (result === '' ? '' : `<${action}Result>${result}</${action}Result>`) +
    `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, contentType: 'text/xml', body };
}

function failure(status: number, code: string, message: string): ServiceAnswer {
  const body = `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
  return { status, contentType: 'text/xml', body };
}

function keyMetadata(key: StoredAccessKey): string {
  return `<UserName>${xmlEscape(key.userName ?? '')}</UserName><AccessKeyId>${key.accessKeyId}</AccessKeyId><Status>${key.status}</Status><CreateDate>${key.createDate.toISOString()}</CreateDate>`;
}

const noSuchUser = (userName: string): ServiceAnswer => failure(404, 'NoSuchEntity', `The user with name ${userName} cannot be found.`);
const noSuchKey = (accessKeyId: string): ServiceAnswer => failure(404, 'NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);

export async function startIamDouble(options: IamDoubleOptions): Promise<IamDouble> {
  const calls: IamCall[] = [];
  const users = new Set(options.users);

  const userKey = (userName: string, accessKeyId: string): StoredAccessKey | undefined => {
    const key = options.keys.get(accessKeyId);
    return key?.userName === userName ? key : undefined;
  };

  const actions: Record<string, (params: URLSearchParams, userName: string) => ServiceAnswer> = {
    CreateAccessKey(_params, userName) {
      if (options.keys.ofUser(userName).length >= ACCESS_KEYS_PER_USER) {
        return failure(409, 'LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${ACCESS_KEYS_PER_USER}`);
      }
      const key = options.keys.add({ userName, buckets: options.newKeyBuckets, unknownToS3ForLookups: options.newKeyPropagationLookups });
      return success('CreateAccessKey', `<AccessKey>${keyMetadata(key)}<SecretAccessKey>${xmlEscape(key.secretAccessKey)}</SecretAccessKey></AccessKey>`);
    },
    ListAccessKeys(_params, userName) {
      const members = options.keys
        .ofUser(userName)
        .map((key) => `<member>${keyMetadata(key)}</member>`)
        .join('');
      return success('ListAccessKeys', `<UserName>${xmlEscape(userName)}</UserName><AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`);
    },
    UpdateAccessKey(params, userName) {
      const accessKeyId = params.get('AccessKeyId') ?? '';
      const status = params.get('Status') ?? '';
      if (status !== 'Active' && status !== 'Inactive') return failure(400, 'ValidationError', `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`);
      if (userKey(userName, accessKeyId) === undefined) return noSuchKey(accessKeyId);
      options.keys.setStatus(accessKeyId, status as AccessKeyStatus);
      return success('UpdateAccessKey', '');
    },
    DeleteAccessKey(params, userName) {
      const accessKeyId = params.get('AccessKeyId') ?? '';
      if (userKey(userName, accessKeyId) === undefined) return noSuchKey(accessKeyId);
      options.keys.delete(accessKeyId);
      return success('DeleteAccessKey', '');
    },
  };

  const service = await startLocalService(
    (request) => {
      const params = new URLSearchParams(request.body);
      const action = params.get('Action') ?? '';
      const userName = params.get('UserName') ?? undefined;
      calls.push({ action, userName, accessKeyId: params.get('AccessKeyId') ?? undefined, status: params.get('Status') ?? undefined });
      if (request.signingService !== 'iam') return failure(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: 'iam'.`);
      const run = actions[action];
      if (run === undefined) return failure(400, 'InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
      // Without UserName IAM acts on the caller's own user; the rotation function always names the user.
      if (userName === undefined || !users.has(userName)) return noSuchUser(userName ?? '(the caller)');
      return run(params, userName);
    },
    failure(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token'),
  );

  return {
    endpoint: service.endpoint,
    calls,
    stop: () => service.stop(),
  };
}
