import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { COMMAND_USAGE } from '../../lambda/backup/tools/operator-command';
import { ACCESS_KEY, asRoot, BUCKET, collectionUri, COLLECTION, Harness, ROOT_USER } from '../lambda/helpers/harness';
import { consumerEnv, installedPackage, PackedPackage, packPackage, runInConsumer } from './consumer-app';

/**
 * The operator's command as an operator gets it: the packed tarball installed into a fresh
 * folder outside the repository (its peers left out: the command needs neither aws-cdk-lib
 * nor constructs), then `npx cockroach-backup-cdk ...` against the CockroachDB double, with
 * the certificate login the runbook shows.
 */
const run = promisify(execFile);

let workDir: string;
let dir: string;
let env: NodeJS.ProcessEnv;
let packed: PackedPackage;
let harness: Harness;
/** A time the chain covers: after its full backup ended, before its incremental did. */
let insideChain: Date;
beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-command-'));
  packed = packPackage(workDir);
  dir = path.join(workDir, 'operator');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'operator', version: '0.0.0', private: true }));
  env = consumerEnv(dir, path.join(dir, 'no-tools'));
  runInConsumer(dir, env, 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=peer', packed.tarball]);
  harness = await Harness.start();
  // A chain of a full backup and an incremental, as the Lambda writes them.
  const pause = () => new Promise((resolve) => setTimeout(resolve, 20));
  await asRoot(harness.double, `BACKUP INTO '${collectionUri()}' WITH revision_history`);
  await harness.double.whenJobsSettled();
  await pause();
  insideChain = new Date();
  await pause();
  await asRoot(harness.double, `BACKUP INTO LATEST IN '${collectionUri()}' WITH revision_history`);
  await harness.double.whenJobsSettled();
}, 300_000);
afterAll(async () => {
  await harness?.stop();
  if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
});

/** `npx cockroach-backup-cdk <argv>` in the operator's folder: exit status and output. */
async function npx(argv: readonly string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'cockroach-backup-cdk', ...argv], { cwd: dir, env: { ...env, ...extraEnv } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

test('installs with no dependency: pg and the AWS SDK clients are inside the bundle', () => {
  const installed = fs.readdirSync(path.join(dir, 'node_modules')).filter((name) => !name.startsWith('.'));
  expect(installed).toEqual(['cockroach-backup-cdk']);
  expect(installedPackage(dir, 'cockroach-backup-cdk')).toBeDefined();
});

test('npx cockroach-backup-cdk --help prints every command and flag', async () => {
  expect(await npx(['--help'])).toEqual({ code: 0, stdout: `${COMMAND_USAGE}\n`, stderr: '' });
});

test('restores the double\'s backup through the shipped command, logged in with a client certificate', async () => {
  // root, as the runbook restores: the backup user may not RESTORE.
  const certificate = harness.double.clientCertificate(ROOT_USER.name);
  fs.writeFileSync(path.join(dir, 'ca.crt'), harness.double.caCertificate);
  fs.writeFileSync(path.join(dir, 'client.root.crt'), certificate.certificate);
  fs.writeFileSync(path.join(dir, 'client.root.key'), certificate.privateKey, { mode: 0o600 });
  const url = `postgresql://root@${harness.double.host}:${harness.double.port}/defaultdb?sslrootcert=ca.crt&sslcert=client.root.crt&sslkey=client.root.key`;
  const keys = { AWS_ACCESS_KEY_ID: ACCESS_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: ACCESS_KEY.secretAccessKey };
  const argv = ['restore', '--as-of', insideChain.toISOString(), '--bucket', BUCKET, '--collection', COLLECTION, '--region', 'eu-west-1', '--database', 'defaultdb'];
  const result = await npx([...argv, '--new-name', 'restored', '--url', url, '--execute'], keys);
  expect({ code: result.code, stderr: result.stderr, error: result.code === 0 ? '' : result.stdout }).toEqual({ code: 0, stderr: '', error: '' });
  const jobId = /^-- Restore job (\d+) started/m.exec(result.stdout)?.[1];
  expect(jobId).toBeDefined();
  expect(result.stdout).not.toContain(ACCESS_KEY.secretAccessKey);
  expect(result.stdout).not.toContain(encodeURIComponent(ACCESS_KEY.secretAccessKey));
  await harness.double.whenJobsSettled();
  const [job] = await asRoot(harness.double, `SHOW JOB ${jobId}`);
  expect(job).toMatchObject({ job_type: 'RESTORE', status: 'succeeded', user_name: ROOT_USER.name });
});
