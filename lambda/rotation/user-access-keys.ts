import { CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand, NoSuchEntityException, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { registerSecret } from '../backup/report/redact';
import { AccessKey } from '../backup/submit/storage';

/** An access key of the user as IAM lists it (no secret: IAM shows a secret key only when it creates it). */
export interface KeyMetadata {
  readonly accessKeyId: string;
  readonly status: 'Active' | 'Inactive';
  readonly created: Date;
}

/**
 * The backup user's access keys through the IAM calls the rotation function makes:
 * ListAccessKeys, CreateAccessKey, UpdateAccessKey, DeleteAccessKey, always naming the one
 * user (the function's policy allows them on that user only).
 */
export class UserAccessKeys {
  constructor(
    private readonly client: IAMClient,
    readonly userName: string,
  ) {}

  async list(): Promise<KeyMetadata[]> {
    // A user holds at most two keys: one page.
    const answer = await this.client.send(new ListAccessKeysCommand({ UserName: this.userName }));
    return (answer.AccessKeyMetadata ?? []).map((k) => ({
      accessKeyId: k.AccessKeyId ?? '',
      status: k.Status === 'Inactive' ? 'Inactive' : 'Active',
      created: k.CreateDate ?? new Date(0),
    }));
  }

  async create(): Promise<AccessKey> {
    const answer = await this.client.send(new CreateAccessKeyCommand({ UserName: this.userName }));
    const accessKeyId = answer.AccessKey?.AccessKeyId;
    const secretAccessKey = answer.AccessKey?.SecretAccessKey;
    if (accessKeyId === undefined || secretAccessKey === undefined) throw new Error(`IAM CreateAccessKey for ${this.userName} returned no key`);
    // From here on every log line and error is scrubbed of it (lambda/backup/report/redact.ts).
    registerSecret(secretAccessKey);
    return { accessKeyId, secretAccessKey };
  }

  async deactivate(accessKeyId: string): Promise<void> {
    await this.client.send(new UpdateAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId, Status: 'Inactive' }));
  }

  /** Deletes the key; a key already gone (a retried step) is not an error. */
  async delete(accessKeyId: string): Promise<void> {
    try {
      await this.client.send(new DeleteAccessKeyCommand({ UserName: this.userName, AccessKeyId: accessKeyId }));
    } catch (error) {
      if (!(error instanceof NoSuchEntityException)) throw error;
    }
  }
}
