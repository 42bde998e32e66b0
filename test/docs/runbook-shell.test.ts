import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUNBOOK, runbookShellBlocks } from './runbook';
import { fencedBlocks, readGuideFile } from './markdown';

/**
 * The runbook's shell steps, run as written: the variables of section 0, the URI file from
 * the key secret, restore.sql from a template, and pausing and resuming the schedules.
 * `aws` and `cockroach` are stubs that record their arguments and answer as the AWS CLI
 * does; jq is the real one. The key has the characters that break naive quoting.
 */
const SECRET = { accessKeyId: 'AKIARESTOREREADER001', secretAccessKey: 'wJalr/XUtnFEMI+K7MDENG/bPxRfiCYEXAMPLEKEY' };
/** The example values of the runbook's URI block. */
const EXPECTED_URI =
  's3://acme-cockroach-backups/prod/cluster-1?' +
  `AWS_ACCESS_KEY_ID=${SECRET.accessKeyId}&AWS_SECRET_ACCESS_KEY=${encodeURIComponent(SECRET.secretAccessKey)}&AWS_REGION=eu-west-1`;

const hasJq = spawnSync('jq', ['--version']).status === 0;

interface Run {
  readonly dir: string;
  /** Every argument list the stubs received, one line per call. */
  readonly calls: string;
  /** restore.sql as `cockroach sql --file` received it. */
  readonly restoreSql: string;
  /** The URI file's name when its mode was exactly 600 while cockroach ran, else ''. */
  readonly uriFileMode: string;
  /** Each schedule definition `aws scheduler update-schedule` received, in order. */
  readonly updatedSchedules: Record<string, unknown>[];
}

/** What `aws scheduler get-schedule --output json` returns for a schedule the construct created. */
function scheduleDefinition(name: string): Record<string, unknown> {
  return {
    ActionAfterCompletion: 'NONE',
    Arn: `arn:aws:scheduler:eu-west-1:111122223333:schedule/default/${name}`,
    CreationDate: '2026-11-01T10:00:00+00:00',
    FlexibleTimeWindow: { Mode: 'OFF' },
    GroupName: 'default',
    LastModificationDate: '2026-11-01T10:00:00+00:00',
    Name: name,
    ScheduleExpression: 'cron(0 1-23 * * ? *)',
    ScheduleExpressionTimezone: 'Etc/UTC',
    State: 'ENABLED',
    Target: { Arn: 'arn:aws:lambda:eu-west-1:111122223333:function:DatabaseBackups-BackupFunction', Input: '{"kind":"incremental"}', RoleArn: 'arn:aws:iam::111122223333:role/ScheduleRole', RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 } },
  };
}
const SCHEDULE_NAMES = ['DatabaseBackups-BackupIncrementalSchedule-AbC', 'DatabaseBackups-BackupFullSchedule-DeF'];

function runBlocks(blocks: readonly string[], template: string): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-'));
  const bin = path.join(dir, 'bin');
  const work = path.join(dir, 'work');
  fs.mkdirSync(bin);
  fs.mkdirSync(work);
  fs.writeFileSync(path.join(dir, 'secret.json'), JSON.stringify(SECRET));
  fs.writeFileSync(path.join(work, 'restore-template.sql'), template);
  fs.mkdirSync(path.join(dir, 'schedules'));
  for (const name of SCHEDULE_NAMES) fs.writeFileSync(path.join(dir, 'schedules', name), JSON.stringify(scheduleDefinition(name)));
  fs.mkdirSync(path.join(dir, 'updated'));
  const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> "${dir}/calls"\n${body}\n`, { mode: 0o755 });
  stub(
    'aws',
    `case "$1 $2" in
  "cloudformation describe-stacks") echo 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:RestoreReaderKeySecret-AbCdEf';;
  "cloudformation list-stack-resources")
    case "$*" in
      *AWS::Scheduler::Schedule*) printf '%s\t%s\n' ${SCHEDULE_NAMES.join(' ')};;
      *AWS::Lambda::Function*) echo 'DatabaseBackups-BackupFunction2B54E943-AbCdEf';;
      *) exit 2;;
    esac;;
  "secretsmanager get-secret-value") cat "${dir}/secret.json";;
  "scheduler get-schedule") cat "${dir}/schedules/$4";;
  "scheduler update-schedule") cp "\${4#file://}" "${dir}/updated/$(ls "${dir}/updated" | wc -l)";;
  *) exit 2;;
esac`,
  );
  stub(
    'cockroach',
    `while [ $# -gt 0 ]; do if [ "$1" = --file ]; then cp "$2" "${dir}/received.sql"; fi; shift; done
find collection-uri.txt -perm 600 > "${dir}/uri-mode"`,
  );
  execFileSync('bash', ['-euo', 'pipefail', '-c', blocks.join('\n')], { cwd: work, env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir }, stdio: 'pipe' });
  const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
  const optional = (name: string) => (fs.existsSync(path.join(dir, name)) ? read(name) : '');
  const updated = fs.readdirSync(path.join(dir, 'updated')).sort((a, b) => Number(a) - Number(b));
  return {
    dir,
    calls: read('calls'),
    restoreSql: optional('received.sql'),
    uriFileMode: optional('uri-mode').trim(),
    updatedSchedules: updated.map((name) => JSON.parse(read(path.join('updated', name))) as Record<string, unknown>),
  };
}

describe('the restore runbook\'s shell steps', () => {
  const blocks = runbookShellBlocks();
  const variablesBlock = blocks.find((b) => b.startsWith('STACK='));
  const uriBlock = blocks.find((b) => b.includes('get-secret-value'));
  const pauseBlock = blocks.find((b) => b.includes('aws scheduler update-schedule'));
  const sqlBlock = blocks.find((b) => b.includes('restore.sql'));
  // The template: every SQL block of the runbook, '<uri>' included.
  const template = fencedBlocks(readGuideFile(RUNBOOK))
    .filter((b) => b.language === 'sql')
    .map((b) => b.code)
    .join('\n');

  test('fails if the runbook lacks the variables, the URI step, the restore.sql step or the schedules\' pause', () => {
    expect(variablesBlock).toBeDefined();
    expect(pauseBlock).toBeDefined();
    expect(uriBlock).toBeDefined();
    expect(sqlBlock).toBeDefined();
    expect(template).toContain("'<uri>'");
  });

  test('fails if a step reads a file into a command line with $(cat ...)', () => {
    expect(`${uriBlock}\n${sqlBlock}`).not.toMatch(/\$\(\s*cat\b|`cat\b/);
  });

  (hasJq ? describe : describe.skip)('run with stubs for aws and cockroach (needs jq)', () => {
    let run: Run;
    beforeAll(() => {
      run = runBlocks([variablesBlock!, uriBlock!, sqlBlock!], template);
    });
    afterAll(() => {
      fs.rmSync(run.dir, { recursive: true, force: true });
    });

    test('restore.sql is the template with every \'<uri>\' replaced by the URL-encoded URI, nothing else changed', () => {
      expect(run.restoreSql).toBe(`${template.split("'<uri>'").join(`'${EXPECTED_URI}'`)}\n`);
      expect(run.restoreSql).not.toContain('<uri>');
    });

    test('the key never appears in a command\'s arguments', () => {
      expect(run.calls).toContain('aws secretsmanager get-secret-value');
      expect(run.calls).toContain('cockroach sql');
      expect(run.calls).not.toContain(SECRET.secretAccessKey);
      expect(run.calls).not.toContain(encodeURIComponent(SECRET.secretAccessKey));
    });

    test('the URI file is readable by its owner only, and both files are gone afterwards', () => {
      expect(run.uriFileMode).toBe('collection-uri.txt');
      expect(fs.readdirSync(path.join(run.dir, 'work')).sort()).toEqual(['restore-template.sql']);
    });

    test('the variables block finds the function and the restore key from the stack', () => {
      expect(run.calls).toContain('aws cloudformation list-stack-resources --stack-name DatabaseBackups');
      expect(run.calls).toContain("starts_with(LogicalResourceId, 'BackupFunction')");
      expect(run.calls).toContain('aws cloudformation describe-stacks --stack-name DatabaseBackups');
    });

    test('pausing the schedules sends back each whole definition with State DISABLED, and resuming with ENABLED', () => {
      const expected = (state: string) =>
        SCHEDULE_NAMES.map((name) => {
          const { Arn, CreationDate, LastModificationDate, ...definition } = scheduleDefinition(name);
          return { ...definition, State: state };
        });
      const paused = runBlocks([variablesBlock!, pauseBlock!], template);
      const resumed = runBlocks([variablesBlock!, pauseBlock!.replace('.State = "DISABLED"', '.State = "ENABLED"')], template);
      try {
        expect(pauseBlock).toContain('.State = "DISABLED"');
        expect(paused.updatedSchedules).toEqual(expected('DISABLED'));
        expect(resumed.updatedSchedules).toEqual(expected('ENABLED'));
        expect(paused.calls).toContain("!starts_with(LogicalResourceId, 'BackupRetirePreviousKey')");
        expect(fs.readdirSync(path.join(paused.dir, 'work')).sort()).toEqual(['restore-template.sql']);
      } finally {
        for (const r of [paused, resumed]) fs.rmSync(r.dir, { recursive: true, force: true });
      }
    });

    test('the sed replacement the runbook warns against does corrupt the URI (the & between parameters)', () => {
      const uriFile = path.join(run.dir, 'uri.txt');
      fs.writeFileSync(uriFile, EXPECTED_URI);
      const sed = execFileSync('bash', ['-c', `echo "FROM LATEST IN '<uri>'" | sed "s|<uri>|$(cat '${uriFile}')|"`], { encoding: 'utf8' });
      expect(sed.trim()).not.toBe(`FROM LATEST IN '${EXPECTED_URI}'`);
      expect(sed).toContain('<uri>AWS_SECRET_ACCESS_KEY=');
    });
  });
});
