import { request } from 'http';
import { signRequest } from './sigv4';

/** Credentials as an AWS SDK holds them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Where a node's own AWS credentials come from, for `AUTH=implicit`. CockroachDB builds its S3
 * session with the SDK's default chain (pkg/cloud/amazon/s3_storage.go, newClient: `AUTH=implicit`
 * -> `session.NewSessionWithOptions` with `SharedConfigEnable`), which takes the first source
 * that has credentials, in this order (aws-sdk-go aws/session/credentials.go, resolveCredentials):
 * environment variables, web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`: IRSA),
 * the container credentials endpoint (ECS, EKS Pod Identity), the EC2 instance profile (IMDS).
 * Shared config files are not modelled. A test gives each source the credentials of a role
 * session (StsDouble.sessionOf), as the platform would.
 */
export interface NodeCredentialSources {
  readonly environment?: AwsCredentials;
  readonly webIdentity?: AwsCredentials;
  readonly container?: AwsCredentials;
  readonly instanceProfile?: AwsCredentials;
}

/** The chain's order (above). */
const CHAIN: readonly (keyof NodeCredentialSources)[] = ['environment', 'webIdentity', 'container', 'instanceProfile'];

/**
 * What the SDK reports when no source has credentials, with CockroachDB's
 * `CredentialsChainVerboseErrors` on (s3_storage.go): aws-sdk-go v1's NoCredentialProviders and
 * each provider's error. Wording *unconfirmed* beyond the first line (later releases may use
 * SDK v2, whose text differs); lambda/backup/decide/classify.ts matches the stable parts.
 */
export const NO_NODE_CREDENTIALS =
  'NoCredentialProviders: no valid providers in chain\n' +
  'caused by: EnvAccessKeyNotFound: failed to find credentials in the environment.\n' +
  'SharedCredsLoad: failed to load profile, .\n' +
  'EC2RoleRequestError: no EC2 instance role found\n' +
  'caused by: RequestError: send request failed';

export class CredentialChainError extends Error {}

/** The node's own credentials: the first source of the chain that has some. */
export function nodeOwnCredentials(sources: NodeCredentialSources | undefined): AwsCredentials {
  for (const source of CHAIN) {
    const credentials = sources?.[source];
    if (credentials !== undefined) return credentials;
  }
  throw new CredentialChainError(NO_NODE_CREDENTIALS);
}

export interface RoleToAssume {
  readonly arn: string;
  readonly externalId?: string;
}

/**
 * The ASSUME_ROLE chain as CockroachDB walks it (s3_storage.go newClient): each delegate role,
 * then the final role, assumed with the previous step's credentials (stscreds.NewCredentials,
 * with the role's external id when it has one). A refusal is STS's error as aws-sdk-go formats
 * it, `<Code>: <Message>\n\tstatus code: <n>, request id: <id>`.
 */
export async function assumeRoleChain(stsEndpoint: string, start: AwsCredentials, roles: readonly RoleToAssume[]): Promise<AwsCredentials> {
  let current = start;
  for (const role of roles) current = await assumeRole(stsEndpoint, current, role);
  return current;
}

async function assumeRole(stsEndpoint: string, credentials: AwsCredentials, role: RoleToAssume): Promise<AwsCredentials> {
  // aws-sdk-go's stscreds default session name: "aws-go-sdk-" and the time in nanoseconds.
  const params = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: role.arn, RoleSessionName: `aws-go-sdk-${Date.now()}000000` });
  if (role.externalId !== undefined) params.set('ExternalId', role.externalId);
  const body = Buffer.from(params.toString(), 'utf8');
  const url = new URL(stsEndpoint);
  const headers = signRequest({ method: 'POST', url: '/', host: url.host, body }, credentials, 'us-east-1', 'sts');
  const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(body.length) }, agent: false },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(parts).toString('utf8') }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
  const field = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text)?.[1]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  if (answer.status !== 200) {
    throw new CredentialChainError(`${field('Code') ?? 'UnknownError'}: ${field('Message') ?? ''}\n\tstatus code: ${answer.status}, request id: ${field('RequestId') ?? ''}`);
  }
  return { accessKeyId: field('AccessKeyId') ?? '', secretAccessKey: field('SecretAccessKey') ?? '', sessionToken: field('SessionToken') };
}
