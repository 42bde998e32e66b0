import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BACKUP_OBJECT_ACTIONS } from '../credentials/backup-credentials';
import { collectionObjectsArn } from '../storage/collection-access';
import { invalid } from '../validation';

/** One IPv4 or IPv6 address or CIDR block, as aws:SourceIp accepts them. */
const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-fA-F:]+(\/\d{1,3})?)$/;

/**
 * Where requests signed with the backup key may come from: elsewhere a leaked key can neither
 * read nor write backup files (`s3:GetObject`, `s3:PutObject`, the requests CockroachDB's nodes
 * make). Listing stays open, so that the rotation function can test a new key from Lambda: from
 * anywhere the key can still list the collection's key names, never their contents.
 */
export class BackupKeySource {
  /**
   * Public IP addresses or CIDR blocks of the cluster's egress (a NAT gateway's Elastic IP,
   * CockroachDB Cloud's egress addresses), matched with `aws:SourceIp`. Not for nodes that reach
   * S3 through a VPC endpoint: S3 sees their private addresses there; use `vpcEndpoints`.
   */
  public static ipAddresses(cidrs: string[]): BackupKeySource {
    return new BackupKeySource('IpAddress', 'aws:SourceIp', 'ipAddresses', cidrs);
  }

  /** IDs of the S3 VPC endpoints the cluster's nodes use (`vpce-...`), matched with `aws:SourceVpce`. */
  public static vpcEndpoints(endpointIds: string[]): BackupKeySource {
    return new BackupKeySource('StringEquals', 'aws:SourceVpce', 'vpcEndpoints', endpointIds);
  }

  /** IDs of the VPCs whose S3 endpoints the nodes use (`vpc-...`), matched with `aws:SourceVpc`. */
  public static vpcs(vpcIds: string[]): BackupKeySource {
    return new BackupKeySource('StringEquals', 'aws:SourceVpc', 'vpcs', vpcIds);
  }

  private constructor(
    private readonly operator: 'IpAddress' | 'StringEquals',
    private readonly conditionKey: string,
    private readonly kind: string,
    private readonly values: string[],
  ) {}

  /**
   * Adds to the backup policy a Deny of reading and writing backup files from anywhere else.
   * A Deny, not a condition on the Allow, so that no other policy of the group can widen it.
   * @internal
   */
  public _restrict(scope: Construct, policy: iam.ManagedPolicy, bucket: s3.IBucket, collection: string): void {
    const prop = `backupKeySource (${this.kind})`;
    if (this.values.length === 0) invalid(scope, prop, '[]', 'at least one value: an empty list would refuse every backup');
    const wrong = this.values.find((v) => !Token.isUnresolved(v) && !this.valid(v));
    if (wrong !== undefined) invalid(scope, prop, JSON.stringify(wrong), this.expected());
    const negated = this.operator === 'IpAddress' ? 'NotIpAddress' : 'StringNotEquals';
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'DenyBackupFilesFromElsewhere',
        effect: iam.Effect.DENY,
        actions: [...BACKUP_OBJECT_ACTIONS],
        resources: [collectionObjectsArn(bucket, collection)],
        conditions: { [negated]: { [this.conditionKey]: this.values } },
      }),
    );
  }

  private valid(value: string): boolean {
    if (this.kind === 'ipAddresses') return CIDR.test(value);
    return this.kind === 'vpcEndpoints' ? /^vpce-[0-9a-f]+$/.test(value) : /^vpc-[0-9a-f]+$/.test(value);
  }

  private expected(): string {
    if (this.kind === 'ipAddresses') return 'an IPv4 or IPv6 address or CIDR block, e.g. "203.0.113.0/24"';
    return this.kind === 'vpcEndpoints' ? 'a VPC endpoint id, e.g. "vpce-0123456789abcdef0"' : 'a VPC id, e.g. "vpc-0123456789abcdef0"';
  }
}
