import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupCopyDestination, BackupCopyDestinationProps, CockroachBackup, CockroachBackupProps, OffsiteCopyLink } from '../../../lib';
import { appWithoutBundling } from '../fixtures';

/** A copy in another account and region: the primary in 111111111111/eu-west-1, the copy in 222222222222/eu-central-1. */
export const LINK: OffsiteCopyLink = {
  sourceAccount: '111111111111',
  sourceRegion: 'eu-west-1',
  destinationAccount: '222222222222',
  destinationRegion: 'eu-central-1',
  bucketName: 'acme-crdb-offsite-copy',
  replicationRoleName: 'crdb-backup-replication',
};
/** The same account, another region. */
export const SAME_ACCOUNT_LINK: OffsiteCopyLink = { ...LINK, destinationAccount: LINK.sourceAccount };

export interface TwoSides {
  readonly app: App;
  readonly copyStack: Stack;
  readonly sourceStack: Stack;
  readonly copy: BackupCopyDestination;
  readonly backup: CockroachBackup;
  readonly copyTemplate: Template;
  readonly sourceTemplate: Template;
}

/** Both sides of a link, each in its own stack and environment, synthesized. */
export function twoSides(
  link: OffsiteCopyLink = LINK,
  source: Partial<CockroachBackupProps> = {},
  destination: Partial<BackupCopyDestinationProps> = {},
): TwoSides {
  const app = appWithoutBundling();
  const copyStack = new Stack(app, 'CopyStack', { env: { account: link.destinationAccount, region: link.destinationRegion } });
  const copy = new BackupCopyDestination(copyStack, 'Copy', { link, collection: 'prod/cluster-1', retention: Duration.days(35), ...destination });
  const sourceStack = new Stack(app, 'SourceStack', { env: { account: link.sourceAccount, region: link.sourceRegion } });
  const backup = new CockroachBackup(sourceStack, 'Backup', { collection: 'prod/cluster-1', retention: Duration.days(35), offsiteCopy: { link }, ...source });
  return { app, copyStack, sourceStack, copy, backup, copyTemplate: Template.fromStack(copyStack), sourceTemplate: Template.fromStack(sourceStack) };
}

/** The error a construction throws (or a test failure when it does not). */
export function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the construction to fail, but it succeeded');
}
