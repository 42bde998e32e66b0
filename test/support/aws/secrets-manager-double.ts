import { randomBytes, randomUUID } from 'crypto';
import { ROTATION_STEPS, RotationStep } from '../../../lambda/rotation/event';
import { ServiceAnswer, startLocalService } from './local-service';

/**
 * A fake AWS Secrets Manager with versions and staging labels, speaking the JSON 1.1
 * protocol @aws-sdk/client-secrets-manager sends (POST, `X-Amz-Target:
 * secretsmanager.<Operation>`; the SDK honours `AWS_ENDPOINT_URL_SECRETS_MANAGER`):
 * DescribeSecret, GetSecretValue (by stage or version id), PutSecretValue,
 * UpdateSecretVersionStage, ListSecretVersionIds. Behaviour from the API reference:
 * - a staging label is on at most one version; PutSecretValue and UpdateSecretVersionStage
 *   move it, and moving AWSCURRENT puts AWSPREVIOUS on the version it left;
 * - UpdateSecretVersionStage refuses to move a label that is on another version unless
 *   RemoveFromVersionId names that version (InvalidParameterException);
 * - PutSecretValue with an existing ClientRequestToken is idempotent for the same value and
 *   refused for another (ResourceExistsException); the placeholder version a rotation starts
 *   with (AWSPENDING, no value yet) takes its value from it;
 * - a version without labels is deprecated: ListSecretVersionIds lists it only with
 *   IncludeDeprecated.
 * `rotate` plays the part of the service's rotation (RotateSecret): it stages a new version
 * AWSPENDING, invokes the rotation function's four steps, and when they succeed removes
 * AWSPENDING and records LastRotatedDate ("the most recent date and time that the rotation
 * process was successfully completed", DescribeSecret's reference).
 */
export interface SecretVersionView {
  readonly versionId: string;
  readonly stages: readonly string[];
  readonly createdDate: Date;
  /** Whether the version holds a value (a rotation's placeholder does not, until createSecret). */
  readonly hasValue: boolean;
}

export interface SecretsManagerCall {
  readonly operation: string;
  readonly secretId?: string;
  readonly versionId?: string;
  readonly versionStage?: string;
}

/** The event Secrets Manager sends the rotation function for each step. */
export interface RotationStepEvent {
  readonly Step: RotationStep;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
}

interface Version {
  readonly id: string;
  value?: string;
  readonly stages: Set<string>;
  readonly created: Date;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  readonly created: Date;
  readonly versions: Map<string, Version>;
  rotationEnabled: boolean;
  lastRotated?: Date;
  lastChanged: Date;
}

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const epochSeconds = (date: Date): number => date.getTime() / 1000;

export class SecretsManagerDouble {
  private readonly secrets = new Map<string, Secret>();
  private readonly received: SecretsManagerCall[] = [];
  private readonly failures: { readonly operation: string; readonly error: ServiceError }[] = [];
  private service?: { endpoint: string; stop(): Promise<void> };

  static async start(): Promise<SecretsManagerDouble> {
    const double = new SecretsManagerDouble();
    double.service = await startLocalService(
      (request) => double.answer(String(request.headers['x-amz-target'] ?? ''), request.body, request.signingService),
      { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' }) },
    );
    return double;
  }

  get endpoint(): string {
    if (this.service === undefined) throw new Error('the Secrets Manager double is not started');
    return this.service.endpoint;
  }

  /** Every call received, in order: operation and ids, never a value. */
  get calls(): readonly SecretsManagerCall[] {
    return this.received;
  }

  async stop(): Promise<void> {
    await this.service?.stop();
  }

  /** Makes the next call of `operation` fail with this error type (e.g. InternalServiceError), once. */
  failNext(operation: string, type: string, message = 'the fake was told to fail this call'): void {
    this.failures.push({ operation, error: new ServiceError(type, message) });
  }

  /** Creates a secret whose first version holds `value` as AWSCURRENT; returns its ARN. */
  createSecret(name: string, value: string, options: { readonly rotationEnabled?: boolean } = {}): string {
    const suffix = randomBytes(3).toString('hex');
    const now = new Date();
    const secret: Secret = {
      arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${suffix}`,
      name,
      created: now,
      versions: new Map(),
      rotationEnabled: options.rotationEnabled ?? true,
      lastChanged: now,
    };
    const version: Version = { id: randomUUID(), value, stages: new Set([CURRENT]), created: now };
    secret.versions.set(version.id, version);
    this.secrets.set(secret.arn, secret);
    return secret.arn;
  }

  /**
   * A new version holding `value`, staged AWSCURRENT (the old current becomes AWSPREVIOUS), as
   * a PutSecretValue or a CloudFormation update of the secret makes it; returns its version id.
   */
  putValue(secretId: string, value: string): string {
    const secret = this.find(secretId);
    const version: Version = { id: randomUUID(), value, stages: new Set(), created: new Date() };
    secret.versions.set(version.id, version);
    this.moveStage(secret, CURRENT, version);
    return version.id;
  }

  /** The versions of a secret, oldest first, deprecated ones included. */
  versions(secretId: string): SecretVersionView[] {
    return [...this.find(secretId).versions.values()].map((v) => ({ versionId: v.id, stages: [...v.stages], createdDate: v.created, hasValue: v.value !== undefined }));
  }

  /** The value staged `stage` (a test's look at it; the rotation function reads through the API). */
  valueAt(secretId: string, stage: string): string | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  /**
   * One rotation as Secrets Manager runs it: a new version staged AWSPENDING (or the one an
   * unfinished rotation left, as the service retries with the same token), then the four
   * steps in order; on success AWSPENDING is removed and LastRotatedDate set. A failed step
   * rejects and leaves the versions as they are (AWSCURRENT unchanged). Returns the token.
   */
  async rotate(secretId: string, invoke: (event: RotationStepEvent) => Promise<unknown>): Promise<string> {
    const secret = this.find(secretId);
    const token = this.beginRotation(secretId);
    for (const Step of ROTATION_STEPS) await invoke({ Step, SecretId: secret.arn, ClientRequestToken: token });
    this.endRotation(secretId, token);
    return token;
  }

  /** RotateSecret's first part: the token of a new placeholder version staged AWSPENDING, or of an unfinished rotation's. */
  beginRotation(secretId: string): string {
    const secret = this.find(secretId);
    const unfinished = [...secret.versions.values()].find((v) => v.stages.has(PENDING) && !v.stages.has(CURRENT));
    if (unfinished !== undefined) return unfinished.id;
    const version: Version = { id: randomUUID(), stages: new Set(), created: new Date() };
    secret.versions.set(version.id, version);
    this.moveStage(secret, PENDING, version);
    return version.id;
  }

  /** What the service does after finishSecret succeeded. */
  endRotation(secretId: string, token: string): void {
    const secret = this.find(secretId);
    const version = secret.versions.get(token);
    if (version === undefined || !version.stages.has(CURRENT)) throw new Error(`rotation ${token} did not make its version AWSCURRENT`);
    version.stages.delete(PENDING);
    secret.lastRotated = new Date();
  }

  private find(secretId: string): Secret {
    const secret = this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.name === secretId);
    if (secret === undefined) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    return secret;
  }

  /** Puts `stage` on `version`, removing it from any other; AWSCURRENT leaves AWSPREVIOUS behind. */
  private moveStage(secret: Secret, stage: string, version: Version): void {
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (holder === version) return;
    holder?.stages.delete(stage);
    version.stages.add(stage);
    if (stage === CURRENT && holder !== undefined) {
      for (const v of secret.versions.values()) v.stages.delete(PREVIOUS);
      holder.stages.add(PREVIOUS);
    }
    secret.lastChanged = new Date();
  }

  private answer(target: string, body: string, signingService: string | undefined): ServiceAnswer {
    const operation = target.replace(/^secretsmanager\./, '');
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
    } catch {
      return this.error(new ServiceError('SerializationException', 'the request body is not JSON'));
    }
    const text = (name: string): string | undefined => (typeof input[name] === 'string' ? (input[name] as string) : undefined);
    this.received.push({ operation, secretId: text('SecretId'), versionId: text('VersionId') ?? text('ClientRequestToken') ?? text('MoveToVersionId'), versionStage: text('VersionStage') });
    try {
      if (signingService !== 'secretsmanager') throw new ServiceError('InvalidSignatureException', `Credential should be scoped to correct service: 'secretsmanager'.`);
      const failure = this.failures.findIndex((f) => f.operation === operation);
      if (failure >= 0) throw this.failures.splice(failure, 1)[0].error;
      const secret = this.find(text('SecretId') ?? '');
      const result = this.run(operation, secret, input, text);
      return { status: 200, contentType: 'application/x-amz-json-1.1', body: JSON.stringify(result) };
    } catch (error) {
      if (error instanceof ServiceError) return this.error(error);
      throw error;
    }
  }

  private run(operation: string, secret: Secret, input: Record<string, unknown>, text: (name: string) => string | undefined): Record<string, unknown> {
    const identity = { ARN: secret.arn, Name: secret.name };
    switch (operation) {
      case 'DescribeSecret':
        return {
          ...identity,
          RotationEnabled: secret.rotationEnabled,
          CreatedDate: epochSeconds(secret.created),
          LastChangedDate: epochSeconds(secret.lastChanged),
          ...(secret.lastRotated === undefined ? {} : { LastRotatedDate: epochSeconds(secret.lastRotated) }),
          VersionIdsToStages: Object.fromEntries([...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]])),
        };
      case 'GetSecretValue': {
        const version = this.readVersion(secret, text('VersionId'), text('VersionStage'));
        return { ...identity, VersionId: version.id, SecretString: version.value, VersionStages: [...version.stages], CreatedDate: epochSeconds(version.created) };
      }
      case 'PutSecretValue': {
        const token = text('ClientRequestToken') ?? randomUUID();
        const value = text('SecretString');
        if (value === undefined) throw new ServiceError('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
        const stages = Array.isArray(input.VersionStages) ? (input.VersionStages as string[]) : [CURRENT];
        let version = secret.versions.get(token);
        if (version !== undefined && version.value !== undefined && version.value !== value) {
          throw new ServiceError('ResourceExistsException', "You can't modify an existing version, you can only create a new version.");
        }
        if (version === undefined) {
          version = { id: token, stages: new Set(), created: new Date() };
          secret.versions.set(token, version);
        }
        version.value = value;
        for (const stage of stages) this.moveStage(secret, stage, version);
        return { ...identity, VersionId: version.id, VersionStages: [...version.stages] };
      }
      case 'UpdateSecretVersionStage': {
        const stage = text('VersionStage') ?? '';
        const moveTo = text('MoveToVersionId');
        const removeFrom = text('RemoveFromVersionId');
        const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
        if (moveTo !== undefined) {
          const target = secret.versions.get(moveTo);
          if (target === undefined) throw new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret version: ${moveTo}`);
          if (holder !== undefined && holder !== target && holder.id !== removeFrom) {
            throw new ServiceError(
              'InvalidParameterException',
              `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
            );
          }
          this.moveStage(secret, stage, target);
        } else if (removeFrom !== undefined) {
          if (holder?.id !== removeFrom) throw new ServiceError('InvalidParameterException', `Staging label ${stage} is not attached to version ${removeFrom}.`);
          holder.stages.delete(stage);
          secret.lastChanged = new Date();
        }
        return identity;
      }
      case 'ListSecretVersionIds': {
        const includeDeprecated = input.IncludeDeprecated === true;
        const versions = [...secret.versions.values()].filter((v) => includeDeprecated || v.stages.size > 0);
        return { ...identity, Versions: versions.map((v) => ({ VersionId: v.id, VersionStages: [...v.stages], CreatedDate: epochSeconds(v.created) })) };
      }
      default:
        throw new ServiceError('UnknownOperationException', `the Secrets Manager double does not implement ${operation}`);
    }
  }

  private readVersion(secret: Secret, versionId: string | undefined, stage: string | undefined): Version {
    const wanted = stage ?? (versionId === undefined ? CURRENT : undefined);
    const version = versionId !== undefined ? secret.versions.get(versionId) : [...secret.versions.values()].find((v) => wanted !== undefined && v.stages.has(wanted));
    if (version === undefined || (wanted !== undefined && !version.stages.has(wanted)) || version.value === undefined) {
      const what = [versionId === undefined ? '' : `VersionId: ${versionId}`, wanted === undefined ? '' : `staging label: ${wanted}`].filter((s) => s !== '').join(' and ');
      throw new ServiceError('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for ${what}`);
    }
    return version;
  }

  private error(error: ServiceError): ServiceAnswer {
    return { status: 400, contentType: 'application/x-amz-json-1.1', body: JSON.stringify({ __type: error.type, message: error.message }) };
  }
}
