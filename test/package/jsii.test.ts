import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PROJECT_ROOT } from '../docs/props';
import { PACKAGE_JSON, withBuildLock } from './consumer-app';

/**
 * The package for every jsii language: `npm run build` compiles lib/ and contract/ with
 * jsii (which fails the build on any jsii error) into the assembly the package ships;
 * jsii-pacmak generates the Python, Java, .NET and Go bindings from it (code only: building
 * them needs PyPI, Maven, NuGet and the Go proxy, which CI runs elsewhere), and jsii-docgen
 * writes API.md, which must be the one committed. Needs nothing beyond node_modules.
 */
const bin = (name: string, file: string) => path.join(path.dirname(require.resolve(`${name}/package.json`)), 'bin', file);

let outdir: string;
let docs: string;
let assembly: { types: Record<string, { kind: string; properties?: { name: string }[] }> };
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-jsii-'));
  withBuildLock(() => {
    const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
      execFileSync(command, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    run('npm', ['run', 'build']);
    // pacmak packs the package to embed it in each binding: the build above is current, so
    // npm's prepack is skipped (npm_config_ignore_scripts).
    run(process.execPath, [bin('jsii-pacmak', 'jsii-pacmak'), '--code-only', '--no-npmignore', '--no-fingerprint', '--targets', 'python', 'java', 'dotnet', 'go', '--outdir', outdir], {
      ...process.env,
      npm_config_ignore_scripts: 'true',
    });
    docs = path.join(outdir, 'API.md');
    run(process.execPath, [bin('jsii-docgen', 'jsii-docgen'), '--output', docs]);
    assembly = JSON.parse(execFileSync('gunzip', ['-c', path.join(PROJECT_ROOT, '.jsii.gz')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  });
}, 600_000);
afterAll(() => {
  if (outdir !== undefined) fs.rmSync(outdir, { recursive: true, force: true });
});

/** Every file under a directory, relative to it. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => fs.statSync(path.join(dir, file)).isFile());
}

test('the assembly holds the construct and its props, the runtime prop included', () => {
  const fqn = (name: string) => `${PACKAGE_JSON.name}.${name}`;
  expect(assembly.types[fqn('CockroachBackup')]?.kind).toBe('class');
  expect(assembly.types[fqn('CockroachBackupProps')]?.properties?.map((p) => p.name)).toEqual(expect.arrayContaining(['collection', 'runtime', 'restoreDrill']));
});

test.each([
  ['python', /cockroach_backup_cdk\/__init__\.py$/, /^class CockroachBackup\(/m],
  ['java', /CockroachBackup\.java$/, /public class CockroachBackup extends software\.constructs\.Construct/],
  ['dotnet', /CockroachBackup\.cs$/, /public class CockroachBackup : Constructs\.Construct/],
  ['go', /CockroachBackup\.go$/, /^type CockroachBackup interface/m],
])('jsii-pacmak generates the %s binding of CockroachBackup', (language, file, declaration) => {
  const generated = filesUnder(path.join(outdir, language)).filter((name) => file.test(name));
  expect(generated.length).toBeGreaterThan(0);
  expect(generated.some((name) => declaration.test(fs.readFileSync(path.join(outdir, language, name), 'utf8')))).toBe(true);
});

test('API.md is what jsii-docgen writes from the current public API (npx jsii-docgen after npm run build)', () => {
  expect(fs.readFileSync(path.join(PROJECT_ROOT, 'API.md'), 'utf8')).toBe(fs.readFileSync(docs, 'utf8'));
});
