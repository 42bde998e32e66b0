import { runSimulation } from '@cloud-copilot/iam-simulate';

/**
 * A synthesized template turned into what an IAM policy evaluator needs: concrete ARNs for
 * every intrinsic (Ref, Fn::GetAtt, Fn::Join, pseudo parameters), the identity policies of each
 * user and role, and the resource policies of buckets and keys. Physical names are made up
 * from logical ids: the evaluator compares strings, so any consistent naming works.
 */

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';

type Json = unknown;
interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, Json>;
}
type Resources = Record<string, CfnResource>;

/** What Ref and Fn::GetAtt Arn give for each resource type the construct creates. */
function physical(logicalId: string, resource: CfnResource): { ref: string; arn: string } {
  const name = logicalId.toLowerCase();
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return { ref: `bucket-${name}`, arn: `arn:aws:s3:::bucket-${name}` };
    case 'AWS::KMS::Key':
      return { ref: name, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}` };
    case 'AWS::IAM::User':
      return { ref: logicalId, arn: `arn:aws:iam::${ACCOUNT}:user/${logicalId}` };
    case 'AWS::IAM::Role':
      return { ref: logicalId, arn: `arn:aws:iam::${ACCOUNT}:role/${logicalId}` };
    case 'AWS::IAM::Group':
      return { ref: logicalId, arn: `arn:aws:iam::${ACCOUNT}:group/${logicalId}` };
    case 'AWS::IAM::ManagedPolicy':
      return { ref: `arn:aws:iam::${ACCOUNT}:policy/${logicalId}`, arn: `arn:aws:iam::${ACCOUNT}:policy/${logicalId}` };
    case 'AWS::SecretsManager::Secret':
      return { ref: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`, arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf` };
    case 'AWS::Logs::LogGroup':
      return { ref: logicalId, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logicalId}:*` };
    case 'AWS::SSM::Parameter':
      return { ref: logicalId, arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${logicalId}` };
    case 'AWS::Lambda::Function':
      return { ref: logicalId, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}` };
    case 'AWS::SNS::Topic':
      return { ref: `arn:aws:sns:${REGION}:${ACCOUNT}:${logicalId}`, arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${logicalId}` };
    default:
      return { ref: logicalId, arn: `arn:aws:unknown:${REGION}:${ACCOUNT}:${logicalId}` };
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::AccountId': ACCOUNT,
  'AWS::Region': REGION,
  'AWS::URLSuffix': 'amazonaws.com',
};

export class PolicyModel {
  constructor(private readonly resources: Resources) {}

  /** The value with every intrinsic replaced by a concrete string. */
  public resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value !== 'object' || value === null) return value;
    const object = value as Record<string, Json>;
    if (typeof object.Ref === 'string') {
      if (PSEUDO[object.Ref] !== undefined) return PSEUDO[object.Ref];
      return physical(object.Ref, this.resource(object.Ref)).ref;
    }
    if (Array.isArray(object['Fn::GetAtt'])) {
      const [id, attribute] = object['Fn::GetAtt'] as string[];
      if (attribute !== 'Arn') throw new Error(`no model for Fn::GetAtt ${id}.${attribute}`);
      return physical(id, this.resource(id)).arn;
    }
    if (typeof object['Fn::Sub'] === 'string') {
      return (object['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
        if (PSEUDO[name] === undefined) throw new Error(`no model for ${whole} in Fn::Sub`);
        return PSEUDO[name];
      });
    }
    if (Array.isArray(object['Fn::Join'])) {
      const [separator, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map((p) => this.resolve(p)).join(separator);
    }
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, this.resolve(v)]));
  }

  /** The one logical id of a type whose id starts with `prefix`. */
  public logicalId(type: string, prefix: string): string {
    const ids = Object.keys(this.resources).filter((id) => this.resources[id].Type === type && id.startsWith(prefix));
    if (ids.length !== 1) throw new Error(`expected one ${type} starting with ${prefix}, found ${ids.join(', ') || 'none'}`);
    return ids[0];
  }

  public arn(logicalId: string): string {
    return physical(logicalId, this.resource(logicalId)).arn;
  }

  /**
   * The policies the template attaches to a user (directly or through its groups) or a role:
   * inline AWS::IAM::Policy documents and customer managed policies of this template. AWS
   * managed policies (the Lambdas' AWSLambdaBasicExecutionRole: log writes) are not in the
   * template and are left out; none of them grants an action on S3, KMS or Secrets Manager.
   */
  public identityPolicies(principalId: string): { name: string; policy: Json }[] {
    const principal = this.resource(principalId);
    const holders = new Set([principalId]);
    if (principal.Type === 'AWS::IAM::User') {
      for (const group of (principal.Properties?.Groups as Json[] | undefined) ?? []) holders.add((group as { Ref: string }).Ref);
      for (const [id, r] of Object.entries(this.resources)) {
        if (r.Type === 'AWS::IAM::UserToGroupAddition' && (r.Properties?.Users as { Ref: string }[]).some((u) => u.Ref === principalId)) {
          holders.add(String(this.resolve(r.Properties?.GroupName)));
          void id;
        }
      }
    }
    const refs = (list: Json): string[] => ((list as Json[] | undefined) ?? []).map((v) => String(this.resolve(v)));
    const policies: { name: string; policy: Json }[] = [];
    for (const [id, r] of Object.entries(this.resources)) {
      if (r.Type !== 'AWS::IAM::Policy' && r.Type !== 'AWS::IAM::ManagedPolicy') continue;
      const attached = [...refs(r.Properties?.Users), ...refs(r.Properties?.Roles), ...refs(r.Properties?.Groups)];
      const viaArn = [...holders].some((h) => refs(this.resources[h]?.Properties?.ManagedPolicyArns).includes(this.arn(id)));
      if (attached.some((a) => holders.has(a)) || viaArn) policies.push({ name: id, policy: this.resolve(r.Properties?.PolicyDocument) });
    }
    return policies;
  }

  /** The bucket policy of a bucket of this template. */
  public bucketPolicy(bucketId: string): Json {
    const policy = Object.values(this.resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && (r.Properties?.Bucket as { Ref: string }).Ref === bucketId);
    return policy === undefined ? undefined : this.resolve(policy.Properties?.PolicyDocument);
  }

  /** The key policy of a key of this template. */
  public keyPolicy(keyId: string): Json {
    return this.resolve(this.resource(keyId).Properties?.KeyPolicy);
  }

  /** The key a secret of this template is encrypted with: its KmsKeyId, or the AWS managed key aws/secretsmanager. */
  public secretKey(secretId: string): DecryptingKey {
    const kmsKeyId = this.resource(secretId).Properties?.KmsKeyId as { 'Fn::GetAtt'?: string[] } | undefined;
    if (kmsKeyId === undefined) return { arn: AWS_MANAGED_SECRETS_KEY_ARN, policy: AWS_MANAGED_SECRETS_KEY_POLICY };
    const keyId = kmsKeyId['Fn::GetAtt']?.[0];
    if (keyId === undefined) throw new Error(`no model for the KmsKeyId ${JSON.stringify(kmsKeyId)} of ${secretId}`);
    return { arn: this.arn(keyId), policy: this.keyPolicy(keyId) };
  }

  private resource(id: string): CfnResource {
    const resource = this.resources[id];
    if (resource === undefined) throw new Error(`no resource ${id} in the template`);
    return resource;
  }
}

/** A KMS key and its key policy. */
export interface DecryptingKey {
  readonly arn: string;
  readonly policy: Json;
}

/** A made-up ARN for the account's AWS managed key of Secrets Manager (its alias is aws/secretsmanager). */
export const AWS_MANAGED_SECRETS_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aws-managed-secretsmanager`;

/**
 * The key policy of the AWS managed key aws/secretsmanager, as the Secrets Manager User Guide
 * prints it ("Secret encryption and decryption", section "Key policy of the AWS managed key
 * (aws/secretsmanager)", https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html):
 * every principal of the account may use it through Secrets Manager, whatever its own policies
 * say about KMS. That is why a principal allowed secretsmanager:GetSecretValue reads every secret
 * under this key.
 */
const AWS_MANAGED_SECRETS_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowAccessThroughSecretsManagerForAllPrincipalsInTheAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
    },
    {
      Sid: 'AllowGenerateDataKeyThroughSecretsManagerForAllPrincipalsInTheAccount',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT }, StringLike: { 'kms:ViaService': 'secretsmanager.*.amazonaws.com' } },
    },
    {
      Sid: 'AllowDirectAccessToKeyMetadataToTheAccount',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
      Resource: '*',
    },
  ],
};

/** 'allowed', 'denied' (an explicit Deny decided) or 'not allowed' (nothing allows it). */
export type Decision = 'allowed' | 'denied' | 'not allowed';

export interface Request {
  readonly principal: string;
  readonly identityPolicies: { name: string; policy: Json }[];
  readonly action: string;
  readonly resource: string;
  readonly resourcePolicy?: Json;
  readonly context?: Record<string, string | string[]>;
}

/**
 * @cloud-copilot/iam-simulate (0.1.173) takes variable condition keys only after a '/', as in
 * `aws:RequestTag/<tag>` (listHasVariableKeyMatch in its simulationEngine.js): it drops
 * `kms:EncryptionContext:<key>` from the request as unknown, so a condition on it could never
 * match. The model carries each encryption context key as `aws:RequestTag/kms:EncryptionContext:<key>`,
 * in the policies and in the request alike, which the simulator compares exactly as KMS compares
 * the real key (a string condition; missing from the request: no match).
 */
const ENCRYPTION_CONTEXT_KEY = '"kms:EncryptionContext:';
const CARRIED_ENCRYPTION_CONTEXT_KEY = '"aws:RequestTag/kms:EncryptionContext:';

function carryEncryptionContext<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value).split(ENCRYPTION_CONTEXT_KEY).join(CARRIED_ENCRYPTION_CONTEXT_KEY)) as T);
}

/** One request through @cloud-copilot/iam-simulate, over TLS (the bucket policy denies anything else), by a principal of the account. */
export async function decide(request: Request): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        // The simulator does not derive the principal's global keys from the request: give them.
        contextVariables: carryEncryptionContext({ 'aws:SecureTransport': 'true', 'aws:PrincipalArn': request.principal, 'aws:PrincipalAccount': ACCOUNT, ...request.context }),
      },
      identityPolicies: carryEncryptionContext(request.identityPolicies),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: carryEncryptionContext(request.resourcePolicy),
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(`simulation refused ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  const result = response.overallResult;
  if (result === 'Allowed') return 'allowed';
  if (result === 'ExplicitlyDenied') return 'denied';
  if (result === 'ImplicitlyDenied') return 'not allowed';
  throw new Error(`unexpected simulation result ${String(result)}`);
}

/**
 * Reading a secret's value: GetSecretValue on the secret, and the kms:Decrypt that Secrets Manager
 * then makes on the caller's behalf, with the caller's permissions, through Secrets Manager
 * (kms:ViaService) and with the secret's ARN as encryption context (Secrets Manager User Guide,
 * "Secret encryption and decryption", sections "How Secrets Manager uses your KMS key" and
 * "Secrets Manager encryption context"). Both must be allowed; a Deny in either decides.
 */
export async function decideSecretRead(request: Omit<Request, 'action'>, key: DecryptingKey): Promise<Decision> {
  const read = await decide({ ...request, action: 'secretsmanager:GetSecretValue' });
  const decrypt = await decide({
    principal: request.principal,
    identityPolicies: request.identityPolicies,
    action: 'kms:Decrypt',
    resource: key.arn,
    resourcePolicy: key.policy,
    context: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com`, 'kms:CallerAccount': ACCOUNT, 'kms:EncryptionContext:SecretARN': request.resource },
  });
  if (read === 'denied' || decrypt === 'denied') return 'denied';
  return read === 'allowed' && decrypt === 'allowed' ? 'allowed' : 'not allowed';
}
