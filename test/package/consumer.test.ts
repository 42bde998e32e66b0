import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CockroachBackup } from '../../lib';
import { BACKUP_LAMBDA_ASSET_DIR, ROTATION_LAMBDA_ASSET_DIR } from '../../lib/functions/lambda-asset';
import { guideExamples } from '../docs/compile-examples';
import { readGuideFile, relativeLinks } from '../docs/markdown';
import { PROJECT_ROOT } from '../docs/props';
import {
  caretFloor,
  compileAndSynth,
  ConsumerVersions,
  consumerEnv,
  ExampleRun,
  ExampleRuns,
  installConsumer,
  installedPackage,
  missingTools,
  newestVersion,
  PACKAGE_JSON,
  PackedPackage,
  packPackage,
  runExamples,
  writeConsumerApp,
} from './consumer-app';
import { CONFIGURATIONS } from './configurations';
import { findingsOf } from '../lib/policy/policy-findings';
import { DEFAULT_RUNTIME } from '../../lib/functions/function-runtime';
import { examplesOf, namedRules, usesConstruct } from '../docs/policy-checks-line';

/**
 * The published package, as a user gets it: `npm pack`, then a fresh CDK app outside the
 * repository installs the tarball with the peer dependencies and the policy packs the
 * README tells users to run, compiles the README's and docs' examples, runs `cdk synth` of
 * the README's first app with no esbuild and no Docker, and synthesizes every README
 * example that uses the construct, verbatim, and the configurations of ./configurations.ts
 * under cdk-nag AwsSolutions and the Control Tower rules. Once at the peer range's floor,
 * once at the newest aws-cdk-lib the npm registry serves: one app, one install per version.
 * Slow by nature (two installs and two synths): a few minutes on 2 cores.
 */

/** The functions' bundles, by the path the package ships them at. */
const BUNDLES: Record<string, string> = {
  'dist/backup-lambda/index.js': path.join(BACKUP_LAMBDA_ASSET_DIR, 'index.js'),
  'dist/rotation-lambda/index.js': path.join(ROTATION_LAMBDA_ASSET_DIR, 'index.js'),
};

/** A file's SHA-256: compares 100 KB files in one short line of a failure message. */
function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** What the package may ship: compiled library and types, jsii assembly, the functions' bundles, the operator's command, docs, licence. */
const SHIPPED = /^(dist\/(lib|contract)\/([\w-]+\/)?[\w-]+\.(js|d\.ts)|dist\/(backup|rotation)-lambda\/index\.js|dist\/cli\/cockroach-backup-cdk\.js|\.jsii(\.gz)?|docs\/[\w-]+\.md|API\.md|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;

const VERSIONS: readonly (ConsumerVersions & { readonly label: string })[] = [
  {
    label: "the peer range's floor",
    awsCdkLib: caretFloor(PACKAGE_JSON.peerDependencies['aws-cdk-lib']),
    constructs: caretFloor(PACKAGE_JSON.peerDependencies.constructs),
  },
  { label: 'the newest on the registry', awsCdkLib: newestVersion('aws-cdk-lib'), constructs: newestVersion('constructs') },
];

/** The README's examples that use the construct, as the consumer's app runs them. */
const README_EXAMPLES = examplesOf('README.md').filter(usesConstruct);

/** The rules both policy packs report on what an example's apps synthesized, once each, sorted. */
function reportedRules(run: ExampleRun): string[] {
  return [...new Set(run.apps.flatMap((app) => findingsOf([...app.pluginReports]).map((finding) => finding.rule)))].sort();
}

/** The errors of an example's run: what it threw, what its synthesis threw besides findings. */
function errorsOf(run: ExampleRun): string[] {
  return [run.error, ...run.apps.map((app) => app.synthError)].filter((error): error is string => error !== undefined);
}

/**
 * cdk-nag's AwsSolutions-L1 asks for the newest runtime of the family the aws-cdk-lib in use
 * knows: on aws-cdk-lib 2.277 and later (Node.js 26) it reports the functions' default Node.js 24,
 * which the `runtime` prop answers. An example that does not choose a runtime gets it added
 * to what it should report there.
 */
function withRuntimeFinding(rules: readonly string[], code: string, runs: ExampleRuns): string[] {
  const defaultIsNewest = runs.newestNodeRuntime === DEFAULT_RUNTIME.name;
  return defaultIsNewest || /\bruntime\b/.test(code) ? [...rules] : [...new Set([...rules, 'AwsSolutions-L1'])].sort();
}

interface Synthesis {
  /** The asset hashes of the template's Lambda functions (their S3 keys without `.zip`), sorted. */
  readonly assetHashes: readonly string[];
  readonly resourceCounts: Record<string, number>;
}

function describeTemplate(template: { Resources?: Record<string, { Type: string; Properties?: { Code?: { S3Key?: unknown } } }> }): Synthesis {
  const resources = Object.values(template.Resources ?? {});
  const functions = resources.filter((r) => r.Type === 'AWS::Lambda::Function');
  if (functions.length === 0) throw new Error('expected a Lambda function in the template, found none');
  const assetHashes = [...new Set(functions.map((f) => String(f.Properties?.Code?.S3Key).replace(/\.zip$/, '')))].sort();
  const resourceCounts: Record<string, number> = {};
  for (const { Type } of resources) resourceCounts[Type] = (resourceCounts[Type] ?? 0) + 1;
  return { assetHashes, resourceCounts };
}

/** The repository's own synthesis of one CockroachBackup with default props. */
function repositorySynthesis(): Synthesis {
  const stack = new Stack(new App(), 'Reference');
  new CockroachBackup(stack, 'Backup', { collection: 'prod/cluster-1' });
  return describeTemplate(Template.fromStack(stack).toJSON());
}

let workDir: string;
let packed: PackedPackage;
let repository: Synthesis;
beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-package-'));
  packed = packPackage(workDir);
  repository = repositorySynthesis();
}, 300_000);
afterAll(() => {
  if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
});

describe('npm pack', () => {
  const shipped = () => packed.files.map((file) => file.path);

  test("ships the compiled library, its types, both functions' bundles, README, LICENSE and CHANGELOG", () => {
    expect(shipped()).toEqual(
      expect.arrayContaining(['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/backup-lambda/index.js', 'dist/rotation-lambda/index.js', 'README.md', 'LICENSE', 'CHANGELOG.md']),
    );
  });

  test('fails if it ships anything else (tests, doubles, bench, example app, sources, CI)', () => {
    expect(shipped().filter((file) => !SHIPPED.test(file))).toEqual([]);
  });

  test('ships every doc the README links to', () => {
    const docs = relativeLinks(readGuideFile('README.md'))
      .map((link) => link.target.replace(/#.*$/, ''))
      .filter((target) => target.startsWith('docs/'));
    expect(docs.length).toBeGreaterThan(0);
    expect(shipped()).toEqual(expect.arrayContaining([...new Set(docs)]));
  });

  // About 1.69 MB (0.4.0): the operator's command bundles pg and two AWS SDK clients (547 KB),
  // so that it installs no dependency; the library and its types (437 KB, with the off-site copy,
  // the secrets key and password rotation); API.md (188 KB) and the compressed jsii assembly
  // (48 KB) serve the other languages; the docs (194 KB) and the functions' bundles (178 KB) are
  // the rest. A jump past this bound is a dependency bundled by mistake.
  test('stays under 1.8 MB unpacked', () => {
    expect(packed.unpackedSize).toBeLessThan(1_800_000);
  });

  test("ships the operator's command as the package's bin", () => {
    expect(shipped()).toContain(PACKAGE_JSON.bin['cockroach-backup-cdk']);
  });

  test('ships the jsii assembly (compressed, behind its redirect) and the API reference', () => {
    expect(shipped()).toEqual(expect.arrayContaining(['.jsii', '.jsii.gz', 'API.md']));
  });

  test('ships bundles that hold no absolute path of the checkout that built them', () => {
    expect(Object.keys(BUNDLES).filter((shippedAs) => fs.readFileSync(BUNDLES[shippedAs], 'utf8').includes(PROJECT_ROOT))).toEqual([]);
  });

  test('ships the bundles the repository synthesizes with', () => {
    const sizes = (sizeOf: (shippedAs: string) => number | undefined) => Object.keys(BUNDLES).map((shippedAs) => [shippedAs, sizeOf(shippedAs)]);
    expect(sizes((shippedAs) => packed.files.find((file) => file.path === shippedAs)?.size)).toEqual(sizes((shippedAs) => fs.statSync(BUNDLES[shippedAs]).size));
  });
});

describe.each(VERSIONS)('a consumer app with aws-cdk-lib $awsCdkLib and constructs $constructs ($label)', (versions) => {
  let dir: string;
  let toolCalls: string;
  let cloudAssembly: string;
  let consumer: Synthesis;
  let runs: ExampleRuns;
  /** The run of the README example that starts at `firstLine`, or of the configuration `origin`. */
  let runOf: (origin: string) => ExampleRun;
  beforeAll(() => {
    const examples = [...guideExamples(), ...CONFIGURATIONS];
    const app = examples.findIndex((example) => example.origin.startsWith('README.md:') && example.code.includes('new App('));
    if (app === -1) throw new Error('the README has no example with `new App(` to synthesize');
    dir = path.join(workDir, `app-${versions.awsCdkLib}`);
    writeConsumerApp(dir, examples, app);
    const tools = missingTools(dir);
    toolCalls = tools.calls;
    const env = consumerEnv(dir, tools.bin);
    installConsumer(dir, env, packed.tarball, versions);
    cloudAssembly = compileAndSynth(dir, env);
    const origins = [...README_EXAMPLES.map((example) => `README.md:${example.firstLine}`), ...CONFIGURATIONS.map((c) => c.origin)];
    const indexes = origins.map((origin) => examples.findIndex((example) => example.origin === origin));
    runs = runExamples(dir, env, indexes);
    runOf = (origin) => runs.results[origins.indexOf(origin)];
    const templates = fs.readdirSync(cloudAssembly).filter((name) => name.endsWith('.template.json'));
    if (templates.length !== 1) throw new Error(`expected one stack template in ${cloudAssembly}, found ${templates.join(', ')}`);
    consumer = describeTemplate(JSON.parse(fs.readFileSync(path.join(cloudAssembly, templates[0]), 'utf8')));
  }, 600_000);

  test('installs the requested peers and no esbuild', () => {
    const version = (name: string) => JSON.parse(fs.readFileSync(path.join(installedPackage(dir, name) ?? '', 'package.json'), 'utf8')).version;
    expect([version('aws-cdk-lib'), version('constructs')]).toEqual([versions.awsCdkLib, versions.constructs]);
    expect(installedPackage(dir, 'esbuild')).toBeUndefined();
  });

  test('synthesizes without calling docker or esbuild', () => {
    expect(fs.existsSync(toolCalls) ? fs.readFileSync(toolCalls, 'utf8') : '').toBe('');
  });

  test("deploys the repository's Lambda assets: same hashes, each the bytes of one of the package's bundles", () => {
    expect(consumer.assetHashes).toEqual(repository.assetHashes);
    const bundles = Object.values(BUNDLES).map(sha256);
    expect(consumer.assetHashes.filter((hash) => !bundles.includes(sha256(path.join(cloudAssembly, `asset.${hash}`, 'index.js'))))).toEqual([]);
  });

  test("has every resource of the repository's synthesis", () => {
    const missing = Object.entries(repository.resourceCounts).filter(([type, count]) => (consumer.resourceCounts[type] ?? 0) < count);
    expect(missing).toEqual([]);
  });

  test.each(README_EXAMPLES.map((example) => [example.firstLine, example] as const))(
    'README.md:%i, copied verbatim, synthesizes and the policy packs report exactly what its Policy checks line says',
    (firstLine, example) => {
      const run = runOf(`README.md:${firstLine}`);
      expect({ firstLine, errors: errorsOf(run) }).toEqual({ firstLine, errors: [] });
      const stacks = run.apps.flatMap((app) => app.stacks);
      if (stacks.length === 0 && /not synthesized/.test(example.checksLine ?? '') && run.apps.length === 0) return; // declares a stack class only
      // A stack outside an App (`new Stack()`) is never synthesized: `cdk synth` of a copy finds no manifest.
      expect({ firstLine, stacks: stacks.length > 0, manifests: run.apps.every((app) => app.manifest) }).toEqual({ firstLine, stacks: true, manifests: true });
      expect({ firstLine, rules: reportedRules(run) }).toEqual({ firstLine, rules: withRuntimeFinding(namedRules(example.checksLine ?? ''), example.code, runs) });
    },
  );

  test.each(CONFIGURATIONS.map((configuration) => [configuration.origin, configuration] as const))(
    '%s synthesizes with exactly its expected policy findings',
    (origin, configuration) => {
      const run = runOf(origin);
      expect({ origin, errors: errorsOf(run), manifests: run.apps.map((app) => app.manifest) }).toEqual({ origin, errors: [], manifests: [true] });
      expect({ origin, rules: reportedRules(run) }).toEqual({ origin, rules: withRuntimeFinding(configuration.findings, configuration.code, runs) });
    },
  );
});
