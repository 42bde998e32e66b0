import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { BackupCopyDestination, CockroachBackup } from '../lib';

/**
 * What the HIPAA Security, NIST 800-53 R5 and PCI DSS 3.2.1 packs of cdk-nag report on the example
 * with the off-site copy, and why each finding does not apply. The example app runs these packs
 * only with `-c offsiteCopy=true` (the hardened example); test/lib/policy/acknowledgements.test.ts
 * checks that each acknowledgement answers exactly one finding and that none is left.
 */
const PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'] as const;

/** The packs that have each rule: PCI DSS has no dead-letter-queue rule. */
const RULE_PACKS: Record<string, readonly string[]> = {
  IAMNoInlinePolicy: PACKS,
  LambdaDLQ: ['HIPAA.Security', 'NIST.800.53.R5'],
  LambdaInsideVPC: PACKS,
  S3BucketReplicationEnabled: PACKS,
  S3DefaultEncryptionKMS: PACKS,
};

function acknowledge(scope: IConstruct, rule: keyof typeof RULE_PACKS, reason: string): void {
  Validations.of(scope).acknowledge(...RULE_PACKS[rule].map((pack) => ({ id: `${pack}-${rule}`, reason })));
}

/**
 * The functions the example runs outside a VPC, each with why that is right for it: the reason of
 * both Control Tower's CT.LAMBDA.PR.3 and the packs' LambdaInsideVPC, which ask the same.
 */
export function functionsOutsideVpc(backup: CockroachBackup): [lambda.IFunction, string][] {
  const functions: [lambda.IFunction | undefined, string][] = [
    [
      backup.backupFunction,
      'the example backs up a cluster reached over the internet, with TLS and a verified server certificate; it ' +
        'needs no network access of this account. For a cluster with private addresses set the vpc prop (its subnets ' +
        'then need a NAT gateway, or interface endpoints for Secrets Manager and Parameter Store).',
    ],
    [
      backup.followFunction,
      'the follow function reaches the same cluster as the backup function, over the internet with TLS and a verified ' +
        'server certificate; with the vpc prop set it runs in that VPC.',
    ],
    [
      backup.rotationFunction, // only with the access key
      'the access-key rotation function calls only AWS APIs (IAM, Secrets Manager, S3 for its test request) and no ' +
        'network of this account. With the vpc prop set it runs in that VPC.',
    ],
    [
      backup.passwordRotationFunction, // only with connectionPasswordRotation
      'the password rotation function reaches the same cluster as the backup function, over the internet with TLS and ' +
        'a verified server certificate; with the vpc prop set it runs in that VPC.',
    ],
  ];
  return functions.filter((entry): entry is [lambda.IFunction, string] => entry[0] !== undefined);
}

export interface RegulatedPackScopes {
  readonly backup: CockroachBackup;
  readonly copy: BackupCopyDestination;
  /** The buckets that receive the server access logs, one per stack. */
  readonly accessLogBuckets: s3.IBucket[];
}

export function acknowledgeRegulatedPacks({ backup, copy, accessLogBuckets }: RegulatedPackScopes): void {
  // Every role the construct creates keeps its statements in CDK's DefaultPolicy, attached to that role alone.
  for (const role of backup.node.children.filter((child): child is iam.Role => child instanceof iam.Role)) {
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy === undefined) continue;
    acknowledge(
      policy,
      'IAMNoInlinePolicy',
      `${role.node.id}'s statements name only its own resources (its secrets, log group, parameter or function) and the ` +
        'policy is attached to this role alone; a managed policy would allow nothing less and could be attached to others.',
    );
  }

  const scheduled: [lambda.IFunction, string][] = [
    [backup.backupFunction, 'the backup function'],
    [backup.followFunction, 'the follow function'],
  ];
  for (const [fn, what] of scheduled) {
    acknowledge(
      fn,
      'LambdaDLQ',
      `${what} is invoked asynchronously by EventBridge Scheduler with retries off: a failed run raises an alarm ` +
        '(its errors alarm, and the RPO alarm for missed backups) and the next scheduled run does the same work; a ' +
        'dead-letter queue would only keep an event such as {"kind":"incremental"}, with nothing to replay.',
    );
  }
  const rotations: [lambda.IFunction | undefined, string][] = [
    [backup.rotationFunction, 'the access-key rotation function'],
    [backup.passwordRotationFunction, 'the password rotation function'],
  ];
  for (const [fn, what] of rotations) {
    if (fn === undefined) continue;
    acknowledge(
      fn,
      'LambdaDLQ',
      `${what} is invoked by Secrets Manager, one rotation step at a time; a failed step stays on the secret, ` +
        'Secrets Manager retries it, and its errors alarm fires. There is no event for a dead-letter queue to keep.',
    );
  }
  for (const [fn, why] of functionsOutsideVpc(backup)) acknowledge(fn, 'LambdaInsideVPC', `Lambda in a VPC: ${why}`);

  acknowledge(
    copy.bucket,
    'S3BucketReplicationEnabled',
    'This bucket is the off-site replica of the backups, in another account or region; replicating it again would ' +
      'make a third copy that nothing restores from.',
  );
  for (const bucket of accessLogBuckets) {
    acknowledge(
      bucket,
      'S3BucketReplicationEnabled',
      'The server access logs of a backup bucket: evidence of who read or wrote backups, kept a year in this account. ' +
        'They are not the backups, which the off-site copy replicates; ship them to a central log archive if your ' +
        'regime asks for replicated logs.',
    );
    acknowledge(bucket, 'S3DefaultEncryptionKMS', 'S3 server access log delivery supports only SSE-S3 on the destination bucket.');
  }
}
