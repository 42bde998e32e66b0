import { createHash } from 'crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { CHECKPOINT, LATEST_DIRECTORY, MANIFEST, MANIFEST_CHECKSUM, STATISTICS, fullBackupsIn, incrementalsIn, latestFileName, objectKey } from './backup-layout';
import { BackupManifest, LayerContents } from './backup-manifest';
import { localS3Client } from './s3-client';
import { S3Location } from './storage-uri';

export type { BackupManifest } from './backup-manifest';

/** A storage failure other than "not found". */
export class StorageError extends Error {}

/**
 * pkg/cloud/amazon/s3_storage.go wraps S3 errors as "failed to get s3 object" (and
 * similarly for other operations) around the AWS SDK's text,
 * `<Code>: <Message>\n\tstatus code: <n>, request id: <id>` (aws-sdk-go v1's awserr
 * format; the verbs other than "get" are *unconfirmed*).
 */
function describeS3Error(verb: string, error: unknown): StorageError {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    const requestId = error.$metadata.requestId ?? '';
    return new StorageError(`failed to ${verb} s3 object: ${error.name}: ${error.message}\n\tstatus code: ${status}, request id: ${requestId}`);
  }
  return new StorageError(`failed to ${verb} s3 object: ${error instanceof Error ? error.message : String(error)}`);
}

function isNotFound(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata.httpStatusCode === 404);
}

/** Reads and writes one collection (bucket + prefix) through the S3 API, as a node would. */
export class CollectionStore {
  private readonly client: S3Client;

  constructor(readonly location: S3Location) {
    this.client = localS3Client(location);
  }

  close(): void {
    this.client.destroy();
  }

  private key(...parts: string[]): string {
    return objectKey(this.location.prefix, ...parts);
  }

  async read(relative: string): Promise<string | undefined> {
    return (await this.readBytes(relative))?.toString('utf8');
  }

  async readBytes(relative: string): Promise<Buffer | undefined> {
    const key = this.key(relative);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return response.Body === undefined ? Buffer.alloc(0) : Buffer.from(await response.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw describeS3Error('get', error);
    }
  }

  /** The object's size (HEAD, as cloud.ExternalStorage.Size does), undefined when it does not exist. */
  async size(relative: string): Promise<number | undefined> {
    const key = this.key(relative);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: key }));
      return response.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw describeS3Error('get', error);
    }
  }

  async write(relative: string, body: string | Buffer): Promise<void> {
    const key = this.key(relative);
    try {
      // CockroachDB sends Content-MD5 with every upload; S3 refuses uploads without it (or a
      // checksum) to a bucket with Object Lock (cockroachdb/cockroach#115602 reverted a change
      // that dropped it and added a regression test for object-locked buckets).
      const contentMd5 = createHash('md5').update(body).digest('base64');
      await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: key, Body: body, ContentMD5: contentMd5 }));
    } catch (error) {
      throw describeS3Error('put', error);
    }
  }

  async remove(relative: string): Promise<void> {
    const key = this.key(relative);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: key }));
    } catch (error) {
      throw describeS3Error('delete', error);
    }
  }

  /** Keys under a relative directory, relative to the collection, sorted (bounded to 10 pages). */
  async list(relative: string): Promise<string[]> {
    const directory = this.key(relative);
    const prefix = directory === '' ? '' : `${directory}/`;
    const base = this.location.prefix === '' ? 0 : this.location.prefix.length + 1;
    const keys: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      let response;
      try {
        response = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: prefix, ContinuationToken: token }),
        );
      } catch (error) {
        throw describeS3Error('list', error);
      }
      for (const object of response.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key.slice(base));
      token = response.NextContinuationToken;
      if (token === undefined) break;
    }
    return keys.sort();
  }

  /** The subdirectory the newest LATEST file names, or undefined when there is none. */
  async readLatest(): Promise<string | undefined> {
    const files = (await this.list(LATEST_DIRECTORY)).filter((k) => k.startsWith(`${LATEST_DIRECTORY}/LATEST-`));
    if (files.length === 0) return undefined;
    return (await this.read(files[0]))?.trim();
  }

  async readManifest(directory: string): Promise<BackupManifest | undefined> {
    const text = await this.read(`${directory}/${MANIFEST}`);
    return text === undefined ? undefined : (JSON.parse(text) as BackupManifest);
  }

  async hasCheckpoint(directory: string): Promise<boolean> {
    return (await this.read(`${directory}/${CHECKPOINT}`)) !== undefined;
  }

  async writeCheckpoint(directory: string, jobId: string): Promise<void> {
    await this.write(`${directory}/${CHECKPOINT}`, JSON.stringify({ jobId }));
  }

  /** Writes a completed backup's files (data first, manifest last, as a completed backup is one with a manifest). */
  async writeBackup(directory: string, layer: LayerContents): Promise<void> {
    for (const [path, contents] of layer.files) await this.write(`${directory}/${path}`, contents);
    const tables = layer.manifest.databases.flatMap((database) => database.tables.map((table) => ({ database: database.name, table: table.name, rows: table.rows })));
    await this.write(`${directory}/${STATISTICS}`, JSON.stringify(tables));
    const body = JSON.stringify(layer.manifest);
    // CockroachDB stores a CRC32C of the manifest; the double stores a SHA-256 prefix instead.
    await this.write(`${directory}/${MANIFEST_CHECKSUM}`, createHash('sha256').update(body).digest().subarray(0, 4));
    await this.write(`${directory}/${MANIFEST}`, body);
    await this.remove(`${directory}/${CHECKPOINT}`);
  }

  async writeLatest(subdir: string, time: Date): Promise<void> {
    await this.write(`${LATEST_DIRECTORY}/${latestFileName(time)}`, subdir);
  }

  /** Full backups with a manifest, oldest first, as `/yyyy/mm/dd-hhmmss.ff`. */
  async fullBackups(): Promise<string[]> {
    return fullBackupsIn(await this.list(''));
  }

  /** The incremental directories of a chain that hold a manifest, oldest first. */
  async incrementals(fullSubdirPath: string): Promise<string[]> {
    return incrementalsIn(await this.list(`incrementals${fullSubdirPath}`));
  }
}
