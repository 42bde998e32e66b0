import { App, Validations } from 'aws-cdk-lib';
import { HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { buildApp } from '../../../bin/app';
import { Finding, findingsOf, synthPluginReports } from './policy-findings';

/**
 * The HIPAA, NIST 800-53 R5 and PCI DSS 3.2.1 packs on the example app, with and without the
 * off-site copy, before acknowledgements (acknowledgements.test.ts checks those): with the copy
 * (where the example app runs these packs itself) S3BucketReplicationEnabled passes on the primary
 * bucket, and the copy adds no finding of its own but that rule on the copy's bucket.
 */
const PACKS = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321'];

function findingsOfPacks(context: Record<string, unknown>): Finding[] {
  const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
  try {
    return findingsOf(
      synthPluginReports((outdir): App => {
        const { app } = buildApp({ outdir, context: { ...context, 'aws:cdk:bundling-stacks': [] } });
        // The example app runs these packs only with the copy.
        if (context.offsiteCopy !== 'true') Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new NIST80053R5Checks(app), new PCIDSS321Checks(app));
        return app;
      }),
    ).filter((f) => PACKS.includes(f.plugin));
  } finally {
    spy.mockRestore();
  }
}

const onBackupBucket = (f: Finding) => f.path.startsWith('CockroachBackupExample/Backup/Bucket/');
const replicationRule = (f: Finding) => f.rule.endsWith('-S3BucketReplicationEnabled');

let withCopy: Finding[];
let withoutCopy: Finding[];
beforeAll(() => {
  withCopy = findingsOfPacks({ offsiteCopy: 'true', restoreDrill: 'true' });
  withoutCopy = findingsOfPacks({});
});

test('without the copy, every pack reports S3BucketReplicationEnabled on the backup bucket (the check can fail)', () => {
  expect(withoutCopy.filter((f) => onBackupBucket(f) && replicationRule(f)).map((f) => f.plugin).sort()).toEqual(PACKS);
});

test('with the copy, S3BucketReplicationEnabled passes on the backup bucket in every pack', () => {
  expect(withCopy.filter(onBackupBucket)).toEqual([]);
});

test("the copy's parts add only S3BucketReplicationEnabled on the copy's own bucket (a replica is not replicated again)", () => {
  const offsite = withCopy.filter((f) => /\/Backup\/Replication|^CockroachBackupCopy\/Copy\//.test(f.path));
  expect(offsite.map((f) => `${f.rule} ${f.path}`).sort()).toEqual(PACKS.map((p) => `${p}-S3BucketReplicationEnabled CockroachBackupCopy/Copy/Bucket/Resource`).sort());
});
