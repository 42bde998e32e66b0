import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { invalid } from '../validation';

/**
 * The names the two stacks of an off-site copy agree on: the source (the `CockroachBackup` with
 * `offsiteCopy`) and the destination (`BackupCopyDestination`). Pass the same object to both. Every
 * name is fixed, so neither stack reads anything from the other at deploy time: they can live in two
 * accounts and regions, deployed by `cdk deploy` of two stacks, with no cross-stack reference
 * (docs/offsite-copy.md).
 */
export interface OffsiteCopyLink {
  /** The account of the primary bucket (12 digits). */
  readonly sourceAccount: string;
  /** The region of the primary bucket, e.g. `eu-west-1`. */
  readonly sourceRegion: string;
  /** The account of the copy (12 digits); the source account for a copy in another region only. */
  readonly destinationAccount: string;
  /** The region of the copy; the source region for a copy in another account only. */
  readonly destinationRegion: string;
  /**
   * The name of the copy's bucket: 3 to 63 lower-case letters, digits, dots and hyphens, starting and
   * ending with a letter or digit (S3 bucket names are global: choose one nobody else holds).
   */
  readonly bucketName: string;
  /**
   * The name of the replication role the source stack creates (1 to 64 of letters, digits and
   * `+=,.@_-`); the destination's bucket and key policies admit that role, and only it, to replicate.
   */
  readonly replicationRoleName: string;
  /**
   * The alias of the copy's KMS key, `alias/...`. The source side names the key by this alias (its
   * ARN is not known there), in the replication rule and in the replication role's policy.
   * @default `alias/<bucketName>`
   */
  readonly keyAlias?: string;
}

/**
 * The off-site copy of the collection (`CockroachBackupProps.offsiteCopy`): S3 replication to a
 * `BackupCopyDestination` deployed in another account and/or region (docs/offsite-copy.md).
 */
export interface OffsiteCopyOptions {
  /** The names both stacks agree on; the same object the destination stack gets. */
  readonly link: OffsiteCopyLink;

  /**
   * Restore drills read the copy instead of the primary: the principal CockroachDB's nodes use gets
   * read access to the copy's collection and its key (through S3), and is tagged so that the copy's
   * bucket and key policies admit it. Needs `restoreDrill`.
   * @default false: drills read the primary
   */
  readonly drillFromCopy?: boolean;

  /**
   * The replication latency alarm fires when an object waited longer than this to reach the copy
   * (AWS/S3 ReplicationLatency, Maximum). S3 replicates most objects within minutes without
   * Replication Time Control, with no promise: a large full backup may take longer. From 5 minutes
   * to 1 day, whole minutes.
   * @default Duration.hours(1)
   */
  readonly replicationLatencyThreshold?: Duration;
}

/** The link with its default filled in; every value validated unless it is a token. */
export interface ResolvedLink extends OffsiteCopyLink {
  readonly keyAlias: string;
  /** Whether the copy is in another account (replica ownership then changes to that account). */
  readonly crossAccount: boolean;
}

/**
 * The IAM principal tag that marks, in the source account, the principals allowed to read the copy
 * (the drill reader): its value is the copy's bucket name. A tag, not an ARN, so that the source
 * construct can mark its backup user without renaming it (a new name replaces the user and its key).
 */
export const COPY_READER_TAG_KEY = 'cockroach-backup-cdk:copy-reader';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ALIAS = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

/** Validates the link (its prop named `prop` in errors) and fills in the key alias. */
export function resolveLink(scope: IConstruct, prop: string, link: OffsiteCopyLink): ResolvedLink {
  const check = (field: string, value: string, pattern: RegExp, expected: string) => {
    if (!Token.isUnresolved(value) && !pattern.test(value)) invalid(scope, `${prop}.${field}`, JSON.stringify(value), expected);
  };
  check('sourceAccount', link.sourceAccount, ACCOUNT, 'an AWS account id of 12 digits');
  check('destinationAccount', link.destinationAccount, ACCOUNT, 'an AWS account id of 12 digits');
  check('sourceRegion', link.sourceRegion, REGION, 'an AWS region such as "eu-west-1"');
  check('destinationRegion', link.destinationRegion, REGION, 'an AWS region such as "eu-central-1"');
  if (Token.isUnresolved(link.bucketName)) invalid(scope, `${prop}.bucketName`, 'a token', 'a literal bucket name: both stacks name the copy by it');
  check('bucketName', link.bucketName, BUCKET_NAME, 'an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit');
  if (link.bucketName.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(link.bucketName)) {
    invalid(scope, `${prop}.bucketName`, JSON.stringify(link.bucketName), 'an S3 bucket name without two adjacent dots and not shaped like an IP address');
  }
  if (Token.isUnresolved(link.replicationRoleName)) invalid(scope, `${prop}.replicationRoleName`, 'a token', 'a literal role name: both stacks name the role by it');
  check('replicationRoleName', link.replicationRoleName, ROLE_NAME, 'an IAM role name: 1 to 64 letters, digits and +=,.@_-');
  const keyAlias = link.keyAlias ?? `alias/${link.bucketName}`;
  check('keyAlias', keyAlias, ALIAS, 'a KMS alias "alias/<name>" of letters, digits, /, _ and -');
  if (keyAlias.startsWith('alias/aws/')) invalid(scope, `${prop}.keyAlias`, JSON.stringify(keyAlias), 'an alias outside alias/aws/, which AWS reserves for its managed keys');
  const known = (value: string) => !Token.isUnresolved(value);
  const values = [link.sourceAccount, link.sourceRegion, link.destinationAccount, link.destinationRegion];
  if (values.every(known) && link.sourceAccount === link.destinationAccount && link.sourceRegion === link.destinationRegion) {
    invalid(
      scope,
      prop,
      `source ${link.sourceAccount}/${link.sourceRegion} and destination ${link.destinationAccount}/${link.destinationRegion}`,
      'a destination in another account, another region or both: a copy beside the primary is outside no blast radius',
    );
  }
  return { ...link, keyAlias, crossAccount: !(known(link.sourceAccount) && known(link.destinationAccount) && link.sourceAccount === link.destinationAccount) };
}

/**
 * Checks that a stack's environment is the one the link names for this side, when both are known:
 * a source stack in another region would replicate from a bucket the link does not describe.
 */
export function checkStackEnvironment(scope: IConstruct, prop: string, side: 'source' | 'destination', stackEnv: { account: string; region: string }, account: string, region: string): void {
  for (const [what, actual, expected] of [['account', stackEnv.account, account], ['region', stackEnv.region, region]] as const) {
    if (!Token.isUnresolved(actual) && !Token.isUnresolved(expected) && actual !== expected) {
      invalid(scope, `${prop}.${side}${what === 'account' ? 'Account' : 'Region'}`, JSON.stringify(expected), `the ${what} of the stack of the ${side} side (${actual})`);
    }
  }
}

/** The replication role's ARN, as the destination names it. */
export function replicationRoleArn(partition: string, link: ResolvedLink): string {
  return `arn:${partition}:iam::${link.sourceAccount}:role/${link.replicationRoleName}`;
}
