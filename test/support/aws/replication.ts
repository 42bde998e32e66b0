import { S3Credentials } from './s3-server';
import { CollectionStore } from '../storage/collection-store';

/** One replication pass: which bucket to which, under which prefix, with a key that may read one and write the other. */
export interface ReplicationPass {
  readonly endpoint: string;
  readonly from: string;
  readonly to: string;
  /** The collection prefix, no leading or trailing slash: the rule's filter. */
  readonly prefix: string;
  readonly credentials: S3Credentials;
}

/**
 * S3 replication as the off-site copy sees it, done now and at once: every object under the
 * prefix in `from` is copied to `to` under the same key with its current content, and nothing
 * is ever deleted in `to`. What S3 replicates and does not
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-what-is-isnot-replicated.html):
 * - new objects and new versions of objects, under the same key: copied here;
 * - deletes: with DeleteMarkerReplication disabled (the copy the construct configures) a delete
 *   marker is not replicated, and a delete of a specific version never is
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/delete-marker-replication.html):
 *   so an object deleted in `from` stays in `to`;
 * - objects that existed before the rule: only with S3 Batch Replication
 *   (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-batch-replication-batch.html):
 *   a test that runs this pass over them is doing the batch replication's job too.
 * What real replication adds and this leaves to the tests: it is asynchronous and unordered
 * (a test models lag by not running a pass after the newest backup), and objects a lifecycle
 * rule expires in `to` (the copy's own retention). The test server keeps one version per key,
 * so "every version's current content" is the object as it is now.
 * @returns the keys copied (full object keys, sorted)
 */
export async function replicateCollection(pass: ReplicationPass): Promise<string[]> {
  const store = (bucket: string) =>
    new CollectionStore({ auth: 'specified', bucket, prefix: pass.prefix, accessKeyId: pass.credentials.accessKeyId, secretAccessKey: pass.credentials.secretAccessKey, region: 'us-east-1', endpoint: pass.endpoint, assumeRoles: [] });
  const source = store(pass.from);
  const destination = store(pass.to);
  try {
    const keys = await source.list('');
    for (const key of keys) {
      const contents = await source.readBytes(key);
      // Deleted between the listing and the read: a delete replicates nothing.
      if (contents !== undefined) await destination.write(key, contents);
    }
    return keys.map((key) => (pass.prefix === '' ? key : `${pass.prefix}/${key}`));
  } finally {
    source.close();
    destination.close();
  }
}
