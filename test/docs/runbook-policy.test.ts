import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CockroachBackup } from '../../lib';
import { appWithoutBundling } from '../lib/fixtures';
import { fencedBlocks, readGuideFile } from './markdown';
import { RUNBOOK } from './runbook';

/**
 * The runbook's hand-made policy (for when the stack is gone) must be exactly what
 * grantRestoreRead grants, with the placeholders filled in.
 */
const BUCKET = 'acme-cockroach-backups';
const COLLECTION = 'prod/cluster-1';
const REGION = 'eu-west-1';
const KEY_ARN = `arn:aws:kms:${REGION}:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** A resolved CloudFormation value as text, in the aws partition. */
function render(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(render);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (object.Ref === 'AWS::Partition') return 'aws';
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join !== undefined) return join[1].map(render).join(join[0]);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, render(v)]));
}

test("the runbook's policy for a hand-made restore user is exactly what grantRestoreRead grants", () => {
  const blocks = fencedBlocks(readGuideFile(RUNBOOK)).filter((b) => b.language === 'json');
  expect(blocks).toHaveLength(1);
  const documented = JSON.parse(
    blocks[0].code.replace(/<bucket>/g, BUCKET).replace(/<collection>/g, COLLECTION).replace(/<bucket key ARN>/g, KEY_ARN).replace(/<region>/g, REGION),
  ) as { Version: string; Statement: unknown[] };

  const stack = new Stack(appWithoutBundling(), 'PolicyStack', { env: { account: '111122223333', region: REGION } });
  const bucket = s3.Bucket.fromBucketAttributes(stack, 'Existing', { bucketName: BUCKET, encryptionKey: kms.Key.fromKeyArn(stack, 'Key', KEY_ARN) });
  const backup = new CockroachBackup(stack, 'Backup', { collection: COLLECTION, bucket });
  const grant = backup.grantRestoreRead(new iam.User(stack, 'Reader'));
  const granted = grant.principalStatements.map((statement) => render(stack.resolve(statement.toStatementJson())));

  expect(documented.Version).toBe('2012-10-17');
  expect(documented.Statement).toEqual(granted);
});
