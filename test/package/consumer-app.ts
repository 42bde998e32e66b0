import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Example } from '../docs/compile-examples';
import { PROJECT_ROOT } from '../docs/props';
import { findingsOf } from '../lib/policy/policy-findings';

/**
 * A user's CDK app in a directory outside the repository, with the packed tarball
 * installed from a file and everything else from the npm registry: what
 * `npm install cockroach-backup-cdk aws-cdk-lib constructs` gives a new user.
 */

/** The repository's package.json, where the peer range and the pinned toolchain are declared. */
export const PACKAGE_JSON = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  readonly name: string;
  readonly version: string;
  readonly engines: { readonly node: string };
  readonly bin: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
  readonly devDependencies: Record<string, string>;
};

/** The lowest version a caret range (`^2.200.0`) admits: the floor the peer range promises. */
export function caretFloor(range: string): string {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (match === null) throw new Error(`expected a caret range such as ^2.200.0, got ${range}`);
  return match[1];
}

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface PackedPackage {
  readonly tarball: string;
  readonly files: readonly PackedFile[];
  readonly unpackedSize: number;
}

/** Where test files that build into dist/ take turns (see withBuildLock). */
const BUILD_LOCK = path.join(os.tmpdir(), `cockroach-backup-cdk-build-${createHash('sha256').update(PROJECT_ROOT).digest('hex').slice(0, 12)}.lock`);

/**
 * Runs `work` while no other test file of this checkout builds: `npm pack` (whose prepack
 * empties and rebuilds dist/) and the jsii test each hold this lock, since jest runs test
 * files in parallel and one build would delete what another is packing. A lock older than
 * 15 minutes is taken as left behind by a killed run.
 */
export function withBuildLock<T>(work: () => T): T {
  const waitUntil = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(BUILD_LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = fs.statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 15 * 60_000) fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > waitUntil) throw new Error(`waited 20 minutes for ${BUILD_LOCK}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** `npm pack` of the repository into `destination`, as `npm publish` would pack it (prepack builds). */
export function packPackage(destination: string): PackedPackage {
  const output = withBuildLock(() =>
    execFileSync('npm', ['pack', '--json', '--pack-destination', destination], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  // The prepack build writes to stderr: stdout is npm's JSON report alone.
  const [report] = JSON.parse(output) as { filename: string; files: PackedFile[]; unpackedSize: number }[];
  return { tarball: path.join(destination, report.filename), files: report.files, unpackedSize: report.unpackedSize };
}

export interface ConsumerVersions {
  readonly awsCdkLib: string;
  readonly constructs: string;
}

/** The newest version of a package the npm registry serves (its `latest` tag). */
export function newestVersion(name: string): string {
  return execFileSync('npm', ['view', name, 'version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/**
 * The policy packs the README tells users to run (its "Policy checks" section), installed in
 * every consumer app: the construct does not need them, the README's examples and the
 * package's acknowledgements are checked with them. cdk-nag 3 needs aws-cdk-lib 2.257 and
 * constructs 10.5.1, below the peer range's floor.
 */
export const POLICY_PACKS = ['cdk-nag', '@cdklabs/cdk-validator-cfnguard'] as const;

/** The example that becomes the consumer's app: `example-<index>.ts`. */
export function exampleFile(index: number): string {
  return `example-${String(index).padStart(2, '0')}.ts`;
}

/**
 * Writes the app: each example as its own module under examples/ (`export {}` makes it a
 * module, as test/docs does), the compiler options of `cdk init app --language typescript`
 * (strict, NodeNext) but with skipLibCheck off, so that the package's .d.ts are checked as
 * well, and a cdk.json whose app runs the compiled example number `appExample`.
 */
export function writeConsumerApp(dir: string, examples: readonly Example[], appExample: number): void {
  fs.mkdirSync(path.join(dir, 'examples'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true }, null, 2));
  const compilerOptions = {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    strict: true,
    noImplicitReturns: true,
    skipLibCheck: false,
    rootDir: 'examples',
    outDir: 'build',
    types: ['node'],
  };
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['examples'] }, null, 2));
  examples.forEach((example, index) => fs.writeFileSync(path.join(dir, 'examples', exampleFile(index)), `${example.code}\nexport {};\n`));
  const app = `node build/${exampleFile(appExample).replace(/\.ts$/, '.js')}`;
  fs.writeFileSync(path.join(dir, 'cdk.json'), JSON.stringify({ app }, null, 2));
  fs.copyFileSync(path.join(__dirname, RUNNER), path.join(dir, RUNNER));
}

/** The script that runs examples under the policy packs in the consumer's app. */
const RUNNER = 'run-examples.js';

/** What run-examples.js found for one app an example created. */
export interface ExampleApp {
  /** Paths of the app's stacks, nested stacks included. */
  readonly stacks: readonly string[];
  /** An error of the synthesis other than policy findings. */
  readonly synthError?: string;
  readonly manifest: boolean;
  readonly pluginReports: Parameters<typeof findingsOf>[0];
}

export interface ExampleRun {
  /** The compiled example, relative to the consumer's directory. */
  readonly file: string;
  /** What running the example threw, if anything. */
  readonly error?: string;
  readonly apps: readonly ExampleApp[];
}

export interface ExampleRuns {
  /** The newest Node.js runtime the consumer's aws-cdk-lib knows, e.g. `nodejs26.x`. */
  readonly newestNodeRuntime: string;
  readonly results: readonly ExampleRun[];
}

/** Runs the compiled examples `indexes` in the consumer's app under both policy packs (run-examples.js). */
export function runExamples(dir: string, env: NodeJS.ProcessEnv, indexes: readonly number[]): ExampleRuns {
  const results = path.join(dir, 'example-runs.json');
  const files = indexes.map((index) => path.join('build', exampleFile(index).replace(/\.ts$/, '.js')));
  runInConsumer(dir, env, process.execPath, [RUNNER, results, 'example-runs', ...files]);
  return JSON.parse(fs.readFileSync(results, 'utf8')) as ExampleRuns;
}

/**
 * Runs a command of the consumer with a PATH that reaches none of the repository's tools
 * (npm scripts put node_modules/.bin directories on it) and finds `tools` first.
 */
export function consumerEnv(dir: string, tools: string): NodeJS.ProcessEnv {
  const entries = (process.env.PATH ?? '').split(path.delimiter).filter((entry) => !/node_modules[\\/]\.bin$/.test(entry) && !entry.startsWith(PROJECT_ROOT));
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: [tools, ...entries].join(path.delimiter) };
  // The CDK CLI synthesizes with no AWS account: no credentials, no metadata service, no
  // notices, telemetry or version check, so it sends nothing over the network.
  for (const key of Object.keys(env)) if (/^(AWS_|CDK_)/.test(key)) delete env[key];
  Object.assign(env, {
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  });
  return env;
}

/**
 * A directory of stand-ins for `docker` and `esbuild`: each records that it was called,
 * then fails, as on a machine without them. Asset bundling that reached for either would
 * fail the synth and leave a trace.
 */
export function missingTools(dir: string): { readonly bin: string; readonly calls: string } {
  const bin = path.join(dir, 'missing-tools');
  const calls = path.join(dir, 'missing-tool-calls.log');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of ['docker', 'esbuild']) {
    const script = `#!/bin/sh\necho "${tool} $*" >> '${calls}'\necho "${tool}: not installed" >&2\nexit 1\n`;
    fs.writeFileSync(path.join(bin, tool), script, { mode: 0o755 });
  }
  return { bin, calls };
}

/** Runs a command in the consumer's directory; a failure carries the command's output. */
export function runInConsumer(dir: string, env: NodeJS.ProcessEnv, command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${dir}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/**
 * `npm install` of the tarball, the two peers at the given versions, and the toolchain a
 * CDK app has (typescript, @types/node, the aws-cdk CLI) at the versions this repo pins.
 * `--prefer-offline`: npm's cache, filled by the repo's own `npm ci`, serves what it holds.
 */
export function installConsumer(dir: string, env: NodeJS.ProcessEnv, tarball: string, versions: ConsumerVersions): void {
  const pinned = (name: string) => `${name}@${PACKAGE_JSON.devDependencies[name]}`;
  runInConsumer(dir, env, 'npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    tarball,
    `aws-cdk-lib@${versions.awsCdkLib}`,
    `constructs@${versions.constructs}`,
    pinned('typescript'),
    pinned('@types/node'),
    pinned('aws-cdk'),
    ...POLICY_PACKS.map(pinned),
  ]);
}

/** The consumer's `tsc`, then `cdk synth`; returns the cloud assembly's directory. */
export function compileAndSynth(dir: string, env: NodeJS.ProcessEnv): string {
  runInConsumer(dir, env, process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  runInConsumer(dir, env, 'npx', ['--no-install', 'cdk', 'synth', '--no-notices', '--quiet']);
  return path.join(dir, 'cdk.out');
}

/** Where an installed package's files are, or undefined when it is not installed. */
export function installedPackage(dir: string, name: string): string | undefined {
  const location = path.join(dir, 'node_modules', name);
  return fs.existsSync(path.join(location, 'package.json')) ? location : undefined;
}
