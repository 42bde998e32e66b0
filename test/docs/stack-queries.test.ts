import { App, Stack } from 'aws-cdk-lib';
import { CockroachBackup } from '../../lib';
import { fencedBlocks, guideFiles, readGuideFile } from './markdown';

/**
 * The guide finds the construct's resources in a deployed stack with
 * `aws cloudformation list-stack-resources --query "...[?ResourceType=='<type>' &&
 * [!]starts_with(LogicalResourceId, '${ID}<prefix>')]..."`, `ID` being the construct's ID.
 * Each such query, applied to the synthesized template of a construct with ID `Backup`
 * (every optional part on), must pick what the guide says it picks.
 */
interface StackQuery {
  readonly origin: string;
  readonly type: string;
  /** Each `[!]starts_with(LogicalResourceId, '${ID}<prefix>')` condition, all of which must hold. */
  readonly conditions: { readonly negated: boolean; readonly prefix: string }[];
}

const CONDITION = " && (!?)starts_with\\(LogicalResourceId, '\\$\\{ID\\}(\\w*)'\\)";
const QUERY = new RegExp(`ResourceType=='([\\w:]+)'((?:${CONDITION})+)`, 'g');

function stackQueries(): StackQuery[] {
  return guideFiles().flatMap((file) =>
    fencedBlocks(readGuideFile(file))
      .filter((b) => b.language === 'sh')
      .flatMap((b) =>
        [...b.code.matchAll(QUERY)].map((m) => ({
          origin: `${file}:${b.firstLine}`,
          type: m[1],
          conditions: [...m[2].matchAll(new RegExp(CONDITION, 'g'))].map((c) => ({ negated: c[1] === '!', prefix: c[2] })),
        })),
      ),
  );
}

describe('the stack queries of the guide', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'DatabaseBackups');
  new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1', restoreDrill: {} });
  const resources = Object.entries(app.synth().getStackByName('DatabaseBackups').template.Resources as Record<string, { Type: string }>);
  const queries = stackQueries();

  /** The logical IDs a query selects, with the construct ID `Backup`. */
  const select = (q: StackQuery): string[] =>
    resources
      .filter(([id, r]) => r.Type === q.type && q.conditions.every((c) => id.startsWith(`Backup${c.prefix}`) !== c.negated))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));

  test('fails if the guide has no such query (the extraction found nothing)', () => {
    expect(queries.length).toBeGreaterThanOrEqual(3);
    expect(queries.some((q) => q.conditions.length === 2 && q.conditions[1].negated)).toBe(true);
  });

  test('the backup function query finds the backup function only, not the rotation function', () => {
    const functions = queries.filter((q) => q.type === 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const q of functions) expect({ origin: q.origin, selected: select(q) }).toEqual({ origin: q.origin, selected: ['BackupFunction'] });
  });

  test('the schedule query finds the incremental, full and drill schedules, not the key retirement', () => {
    const schedules = queries.filter((q) => q.type === 'AWS::Scheduler::Schedule');
    expect(schedules.length).toBeGreaterThan(0);
    for (const q of schedules) {
      expect({ origin: q.origin, selected: select(q).sort() }).toEqual({ origin: q.origin, selected: ['BackupDrillSchedule', 'BackupFullSchedule', 'BackupIncrementalSchedule'] });
    }
  });

  test('each secret query finds the one secret it names (the connection secret, the access-key secret)', () => {
    const secrets = queries.filter((q) => q.type === 'AWS::SecretsManager::Secret');
    expect(secrets.map((q) => q.conditions[0].prefix).sort()).toEqual(['AccessKeySecret', 'ConnectionSecret']);
    for (const q of secrets) expect({ origin: q.origin, selected: select(q) }).toEqual({ origin: q.origin, selected: [`Backup${q.conditions[0].prefix}`] });
  });
});
