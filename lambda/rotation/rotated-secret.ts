import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

/** The secret's versions and labels, as DescribeSecret shows them. */
export interface SecretState {
  readonly rotationEnabled: boolean;
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
  readonly lastRotated?: Date;
}

/** A version of the secret and the value it holds, parsed. */
export interface StoredValue<T> {
  readonly versionId: string;
  readonly value: T;
  readonly created?: Date;
}

/** How a kind of secret reads and writes its JSON: the backup Lambda's own parser, and the text to store. */
export interface SecretFormat<T> {
  /** What the secret is called in messages, e.g. "access-key secret". */
  readonly name: string;
  /** Parses a version's text; errors name the field, never a value (lambda/backup/connect/secrets.ts). */
  parse(text: string | undefined, label: string): T;
  serialize(value: T): string;
}

/**
 * A secret that a rotation function rotates (the access-key secret, the connection secret),
 * through the Secrets Manager calls the functions make: DescribeSecret, GetSecretValue,
 * PutSecretValue, UpdateSecretVersionStage. (A version's creation time comes with
 * GetSecretValue's answer, so ListSecretVersionIds is not needed.)
 */
export class RotatedSecret<T> {
  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
    readonly format: SecretFormat<T>,
  ) {}

  async describe(): Promise<SecretState> {
    const answer = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return { rotationEnabled: answer.RotationEnabled === true, versionStages: answer.VersionIdsToStages ?? {}, lastRotated: answer.LastRotatedDate };
  }

  /** The value staged `stage` (in version `versionId` when given); undefined when no such value exists. */
  async read(stage: string, versionId?: string): Promise<StoredValue<T> | undefined> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage, VersionId: versionId }));
      return {
        versionId: answer.VersionId ?? '',
        value: this.format.parse(answer.SecretString, `the ${stage} value of the ${this.format.name}`),
        created: answer.CreatedDate,
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Stores a new value as the token's version, staged AWSPENDING. */
  async putPending(token: string, value: T): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: this.secretId, ClientRequestToken: token, SecretString: this.format.serialize(value), VersionStages: [PENDING] }));
  }

  /** Moves AWSCURRENT from `from` (when a version holds it) to `to`; Secrets Manager then labels `from` AWSPREVIOUS. */
  async makeCurrent(to: string, from: string | undefined): Promise<void> {
    await this.client.send(new UpdateSecretVersionStageCommand({ SecretId: this.secretId, VersionStage: CURRENT, MoveToVersionId: to, RemoveFromVersionId: from }));
  }
}

/** The version that holds `stage`, if any. */
export function versionWith(state: SecretState, stage: string): string | undefined {
  return Object.entries(state.versionStages).find(([, stages]) => stages.includes(stage))?.[0];
}
