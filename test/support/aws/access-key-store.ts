import { randomBytes } from 'crypto';

/** IAM's two states of an existing access key; a deleted key is no longer in the store. */
export type AccessKeyStatus = 'Active' | 'Inactive';

export interface StoredAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The IAM user that owns the key (keys given to the S3 server as plain credentials have none). */
  readonly userName?: string;
  status: AccessKeyStatus;
  readonly createDate: Date;
  /** Buckets this key may use; all when omitted (models the IAM policy that applies to the key). */
  readonly buckets?: readonly string[];
  /** Temporary credentials (STS): the token every request must carry with the key. */
  readonly sessionToken?: string;
  /** Who STS says the caller is (`arn:aws:sts::<account>:assumed-role/<role>/<session>`, `arn:aws:iam::<account>:user/<name>`). */
  readonly callerArn?: string;
  /** For temporary credentials: the role whose session they are (what trust policies name). */
  readonly roleArn?: string;
}

export interface NewAccessKey {
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly userName?: string;
  readonly status?: AccessKeyStatus;
  readonly createDate?: Date;
  readonly buckets?: readonly string[];
  readonly sessionToken?: string;
  readonly callerArn?: string;
  readonly roleArn?: string;
  /**
   * How many S3 look-ups miss the key before S3 knows it: IAM is eventually consistent, and
   * a new key takes seconds to become usable. Default 0 (usable at once).
   */
  readonly unknownToS3ForLookups?: number;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An id shaped like AWS's (`AKIA` + 16 upper-case characters). */
function newAccessKeyId(): string {
  return `AKIA${[...randomBytes(16)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('')}`;
}

/** 40 characters of base64, so that most keys contain '/' or '+', like AWS's secret keys. */
function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/**
 * The access keys that exist, shared by the S3 server (which authenticates requests with
 * them) and the fake IAM (which creates, lists, deactivates and deletes them), so that a
 * key IAM deactivates or deletes is refused by S3 from the next request on.
 */
export class AccessKeyStore {
  private readonly keys = new Map<string, StoredAccessKey>();
  private readonly pendingLookups = new Map<string, number>();
  private readonly issued: string[] = [];

  add(key: NewAccessKey): StoredAccessKey {
    const stored: StoredAccessKey = {
      accessKeyId: key.accessKeyId ?? newAccessKeyId(),
      secretAccessKey: key.secretAccessKey ?? newSecretAccessKey(),
      userName: key.userName,
      status: key.status ?? 'Active',
      createDate: key.createDate ?? new Date(),
      buckets: key.buckets,
      sessionToken: key.sessionToken,
      callerArn: key.callerArn,
      roleArn: key.roleArn,
    };
    if (this.keys.has(stored.accessKeyId)) throw new Error(`access key ${stored.accessKeyId} already exists`);
    this.keys.set(stored.accessKeyId, stored);
    this.issued.push(stored.secretAccessKey);
    if (stored.sessionToken !== undefined) this.issued.push(stored.sessionToken);
    if ((key.unknownToS3ForLookups ?? 0) > 0) this.pendingLookups.set(stored.accessKeyId, key.unknownToS3ForLookups ?? 0);
    return stored;
  }

  /** Every secret key and session token this store ever held, deleted ones too: what a test's secret guard must never find in output. */
  issuedSecretKeys(): readonly string[] {
    return this.issued;
  }

  get(accessKeyId: string): StoredAccessKey | undefined {
    return this.keys.get(accessKeyId);
  }

  /** The user's keys, oldest first (IAM's ListAccessKeys order is not specified; tests should not depend on it). */
  ofUser(userName: string): StoredAccessKey[] {
    return [...this.keys.values()].filter((k) => k.userName === userName).sort((a, b) => a.createDate.getTime() - b.createDate.getTime());
  }

  setStatus(accessKeyId: string, status: AccessKeyStatus): void {
    const key = this.keys.get(accessKeyId);
    if (key === undefined) throw new Error(`no access key ${accessKeyId}`);
    key.status = status;
  }

  delete(accessKeyId: string): boolean {
    this.pendingLookups.delete(accessKeyId);
    return this.keys.delete(accessKeyId);
  }

  /**
   * The key as S3 sees it when a request names it: undefined when it was never created,
   * was deleted, is inactive, or is new and not yet known to S3 (each such look-up counts
   * down the key's propagation).
   */
  authenticate(accessKeyId: string): StoredAccessKey | undefined {
    // Unchanged for long-lived keys; temporary keys also need their session token (tokenMatches).
    const key = this.keys.get(accessKeyId);
    if (key === undefined) return undefined;
    const pending = this.pendingLookups.get(accessKeyId) ?? 0;
    if (pending > 0) {
      this.pendingLookups.set(accessKeyId, pending - 1);
      return undefined;
    }
    return key.status === 'Active' ? key : undefined;
  }
}

/**
 * Whether a request carries the session token its key needs: temporary credentials are
 * refused without theirs (AWS STS User Guide, "Using temporary credentials with AWS
 * resources": the token goes in X-Amz-Security-Token); a long-lived key needs none.
 */
export function tokenMatches(key: StoredAccessKey, presented: string | string[] | undefined): boolean {
  return key.sessionToken === undefined || presented === key.sessionToken;
}
