import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CockroachBackup } from '../../lib';
import { BACKUP_LAMBDA_ASSET_DIR, ROTATION_LAMBDA_ASSET_DIR } from '../../lib/lambda-asset';
import { guideExamples } from '../docs/compile-examples';
import { PAGES_FROM_OTHER_BRANCHES } from '../docs/pending-pages';
import { readGuideFile, relativeLinks } from '../docs/markdown';
import { PROJECT_ROOT } from '../docs/props';
import {
  caretFloor,
  compileAndSynth,
  ConsumerVersions,
  consumerEnv,
  importsPolicyPack,
  installConsumer,
  installedPackage,
  missingTools,
  PACKAGE_JSON,
  PackedPackage,
  packPackage,
  writeConsumerApp,
} from './consumer-app';

/**
 * The published package, as a user gets it: `npm pack`, then a fresh CDK app outside the
 * repository installs the tarball with the peer dependencies, compiles the README's and
 * docs' examples and runs `cdk synth` of the README's first example, with no esbuild and
 * no Docker. Once at the peer range's floor, once at the version this repo pins.
 * Slow by nature (two installs and two synths): about 3 minutes on 2 cores.
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

/** What the package may ship: compiled library and types, the functions' bundles, docs, licence. */
const SHIPPED = /^(dist\/(lib|contract)\/[\w-]+\.(js|d\.ts)|dist\/(backup|rotation)-lambda\/index\.js|docs\/[\w-]+\.md|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/;

const VERSIONS: readonly (ConsumerVersions & { readonly label: string })[] = [
  {
    label: "the peer range's floor",
    awsCdkLib: caretFloor(PACKAGE_JSON.peerDependencies['aws-cdk-lib']),
    constructs: caretFloor(PACKAGE_JSON.peerDependencies.constructs),
    policyPacks: false,
  },
  { label: 'the pinned version', awsCdkLib: PACKAGE_JSON.devDependencies['aws-cdk-lib'], constructs: PACKAGE_JSON.devDependencies.constructs, policyPacks: true },
];

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
      .filter((target) => target.startsWith('docs/') && !PAGES_FROM_OTHER_BRANCHES.includes(target));
    expect(docs.length).toBeGreaterThan(0);
    expect(shipped()).toEqual(expect.arrayContaining([...new Set(docs)]));
  });

  test('stays under 600 KB unpacked', () => {
    expect(packed.unpackedSize).toBeLessThan(600_000);
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
  beforeAll(() => {
    const examples = guideExamples().filter((example) => versions.policyPacks || !importsPolicyPack(example));
    const app = examples.findIndex((example) => example.origin.startsWith('README.md:') && example.code.includes('new App('));
    if (app === -1) throw new Error('the README has no example with `new App(` to synthesize');
    dir = path.join(workDir, `app-${versions.awsCdkLib}`);
    writeConsumerApp(dir, examples, app);
    const tools = missingTools(dir);
    toolCalls = tools.calls;
    const env = consumerEnv(dir, tools.bin);
    installConsumer(dir, env, packed.tarball, versions);
    cloudAssembly = compileAndSynth(dir, env);
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
});
