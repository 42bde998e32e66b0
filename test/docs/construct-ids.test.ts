import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { CockroachBackup, StorageCredentials } from '../../lib';
import { readGuideFile, tableAfterHeading } from './markdown';

/** The backticked words of a text, e.g. the construct IDs a sentence lists. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

describe('construct IDs and alarms named in the README and docs/upgrading.md', () => {
  // Bundling skipped: only the construct tree is needed, not the Lambda's code. With restore
  // drills and retention, a second construct with keyless credentials (an alternative to the
  // access key's user, key and secret) and a third with the off-site copy and password rotation, so that every construct
  // ID and alarm the construct can create is there.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const backup = new CockroachBackup(new Stack(app, 'Docs'), 'Backup', { collection: 'prod/cluster-1', restoreDrill: {}, retention: Duration.days(35) });
  const keyless = new CockroachBackup(new Stack(app, 'Keyless'), 'Backup', { collection: 'prod/cluster-1', storageCredentials: StorageCredentials.implicit() });
  // The off-site copy needs stacks in the link's environments.
  const link = { sourceAccount: '111111111111', sourceRegion: 'eu-west-1', destinationAccount: '222222222222', destinationRegion: 'eu-central-1', bucketName: 'acme-crdb-backup-copy', replicationRoleName: 'crdb-backup-replication' };
  const offsite = new CockroachBackup(new Stack(app, 'Offsite', { env: { account: link.sourceAccount, region: link.sourceRegion } }), 'Backup', {
    collection: 'prod/cluster-1',
    restoreDrill: {},
    offsiteCopy: { link, drillFromCopy: true },
    connectionPasswordRotation: {},
  });
  const childIds = [...new Set([backup, keyless, offsite].flatMap((b) => b.node.children.map((c) => c.node.id)))].sort();
  const readme = readGuideFile('README.md');

  test('fails if the list of stable construct IDs in docs/upgrading.md differs from the construct\'s children', () => {
    const sentence = /Construct IDs below `CockroachBackup` are stable \(([^)]*)\)/.exec(readGuideFile('docs/upgrading.md'));
    expect(sentence).not.toBeNull();
    expect(codeSpans(sentence![1]).sort()).toEqual(childIds);
  });

  test('fails if the "What it creates" table does not name every construct ID, or names one that does not exist', () => {
    const [, ...rows] = tableAfterHeading(readme, 'What it creates');
    expect(rows.flatMap((cells) => codeSpans(cells[0])).sort()).toEqual(childIds);
  });

  const alarms = [...new Set([backup, offsite].flatMap((b) => b.monitoring.node.children.filter((c) => c instanceof cloudwatch.Alarm).map((c) => c.node.id)))];

  test('fails if the Alarms table does not list exactly the alarms the construct creates', () => {
    const [, ...rows] = tableAfterHeading(readme, 'Alarms');
    expect(rows.flatMap((cells) => codeSpans(cells[0])).sort()).toEqual(alarms.sort());
  });

  test('fails if docs/alarms.md does not say what to do for exactly the alarms the construct creates', () => {
    const [, ...rows] = tableAfterHeading(readGuideFile('docs/alarms.md'), 'Alarms: what to do');
    expect(rows.flatMap((cells) => codeSpans(cells[0])).sort()).toEqual(alarms.sort());
  });
});
