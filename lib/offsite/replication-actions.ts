/**
 * The replication actions both sides name: the destination's bucket and key policies admit them, the
 * source's replication role is granted them. One list, so the two sides cannot disagree.
 */

/**
 * What S3 replication needs on a destination bucket (S3 User Guide, "Configuring replication for
 * buckets in different accounts" and "Changing the replica owner"): write replicas and their tags, and
 * hand their ownership to this account. Not s3:ReplicateDelete: deletes are not replicated. Not
 * s3:PutBucketVersioning, which the guide's example adds: replication never changes versioning.
 */
export const REPLICATION_DESTINATION_OBJECT_ACTIONS = ['s3:ReplicateObject', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'] as const;
export const REPLICATION_DESTINATION_BUCKET_ACTIONS = ['s3:GetBucketVersioning'] as const;
/** What S3 does with the copy's key for the replication role: encrypt the replicas (SSE-KMS with a bucket key). */
export const REPLICATION_DESTINATION_KMS_ACTIONS = ['kms:Encrypt', 'kms:GenerateDataKey'] as const;
