import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { parseAccessKeySecret } from '../backup/connect/secrets';
import { AccessKey } from '../backup/submit/storage';

export const CURRENT = 'AWSCURRENT';
export const PENDING = 'AWSPENDING';

/** The secret's versions and labels, as DescribeSecret shows them. */
export interface SecretState {
  readonly rotationEnabled: boolean;
  readonly versionStages: Readonly<Record<string, readonly string[]>>;
  readonly lastRotated?: Date;
}

/** A version of the secret and the key it holds. */
export interface StoredKey {
  readonly versionId: string;
  readonly key: AccessKey;
  readonly created?: Date;
}

/**
 * The access-key secret (`{"accessKeyId","secretAccessKey"}`, parsed by the backup Lambda's
 * own parser) through the Secrets Manager calls the rotation function makes: DescribeSecret,
 * GetSecretValue, PutSecretValue, UpdateSecretVersionStage. (A version's creation time comes
 * with GetSecretValue's answer, so ListSecretVersionIds is not needed.)
 */
export class AccessKeySecret {
  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
  ) {}

  async describe(): Promise<SecretState> {
    const answer = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return { rotationEnabled: answer.RotationEnabled === true, versionStages: answer.VersionIdsToStages ?? {}, lastRotated: answer.LastRotatedDate };
  }

  /** The key staged `stage` (in version `versionId` when given); undefined when no such value exists. */
  async read(stage: string, versionId?: string): Promise<StoredKey | undefined> {
    try {
      const answer = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId, VersionStage: stage, VersionId: versionId }));
      return {
        versionId: answer.VersionId ?? '',
        key: parseAccessKeySecret(answer.SecretString, `the ${stage} value of the access-key secret`),
        created: answer.CreatedDate,
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** Stores a new key as the token's version, staged AWSPENDING. */
  async putPending(token: string, key: AccessKey): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: this.secretId, ClientRequestToken: token, SecretString: JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }), VersionStages: [PENDING] }),
    );
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
