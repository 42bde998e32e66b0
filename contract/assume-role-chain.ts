/**
 * The format of ASSUME_ROLE_CHAIN, which the construct writes and the Lambda reads: CockroachDB's
 * ASSUME_ROLE value, roles separated by ',', each `<role ARN>[;external_id=<id>]`
 * (pkg/cloud/uris.go, ParseRoleProvidersString). One definition for both sides.
 */

/** An IAM role ARN (paths allowed). */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * An external id as STS accepts it (2-1224 of [\w+=,.@:/-]), without ',' and ';', which separate
 * the roles and their fields in CockroachDB's ASSUME_ROLE value.
 */
export const EXTERNAL_ID = /^[\w+=.@:/-]{2,1224}$/;
