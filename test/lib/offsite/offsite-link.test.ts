import { Duration, Stack } from 'aws-cdk-lib';
import { BackupCopyDestination, OffsiteCopyLink } from '../../../lib';
import { appWithoutBundling } from '../fixtures';
import { errorOf, LINK } from './fixtures';

/** The error the destination gives for a link (validation is shared with the source side). */
function linkError(link: OffsiteCopyLink): string {
  const stack = new Stack(appWithoutBundling(), 'Copy');
  return errorOf(() => new BackupCopyDestination(stack, 'Copy', { link, collection: 'c', retention: Duration.days(7) }));
}

describe('OffsiteCopyLink validation', () => {
  test.each<[string, Partial<OffsiteCopyLink>, string]>([
    ['an account id that is not 12 digits', { sourceAccount: '12345' }, 'link.sourceAccount is "12345": expected an AWS account id of 12 digits'],
    ['a destination account id with letters', { destinationAccount: '22222222222x' }, 'link.destinationAccount is "22222222222x": expected an AWS account id of 12 digits'],
    ['a region that is not one', { destinationRegion: 'Frankfurt' }, 'link.destinationRegion is "Frankfurt": expected an AWS region such as "eu-central-1"'],
    [
      'a bucket name with capitals',
      { bucketName: 'Acme-Copy' },
      'link.bucketName is "Acme-Copy": expected an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit',
    ],
    ['a bucket name shaped like an IP address', { bucketName: '192.168.5.4' }, 'link.bucketName is "192.168.5.4": expected an S3 bucket name without two adjacent dots and not shaped like an IP address'],
    ['a role name with a slash', { replicationRoleName: 'service-role/replication' }, 'link.replicationRoleName is "service-role/replication": expected an IAM role name: 1 to 64 letters, digits and +=,.@_-'],
    ['an alias without alias/', { keyAlias: 'copy-key' }, 'link.keyAlias is "copy-key": expected a KMS alias "alias/<name>" of letters, digits, /, _ and -'],
    ['an AWS-reserved alias', { keyAlias: 'alias/aws/s3' }, 'link.keyAlias is "alias/aws/s3": expected an alias outside alias/aws/, which AWS reserves for its managed keys'],
    [
      'a destination in the same account and region',
      { destinationAccount: LINK.sourceAccount, destinationRegion: LINK.sourceRegion },
      'link is source 111111111111/eu-west-1 and destination 111111111111/eu-west-1: expected a destination in another account, another region or both: a copy beside the primary is outside no blast radius',
    ],
  ])('fails with %s', (_, change, message) => {
    expect(linkError({ ...LINK, ...change })).toBe(`Copy/Copy: ${message}`);
  });

  test('accepts tokens for accounts and regions (an environment-agnostic stack), but not for the names both stacks share', () => {
    const stack = new Stack(appWithoutBundling(), 'Copy');
    expect(() => new BackupCopyDestination(stack, 'Copy', { link: { ...LINK, destinationAccount: stack.account, destinationRegion: stack.region }, collection: 'c', retention: Duration.days(7) })).not.toThrow();
    expect(linkError({ ...LINK, bucketName: stack.account })).toBe('Copy/Copy: link.bucketName is a token: expected a literal bucket name: both stacks name the copy by it');
  });
});
