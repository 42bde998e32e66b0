/**
 * Bundles the package's two functions, the backup Lambda (lambda/backup/handler.ts) and the
 * access-key rotation function (lambda/rotation/handler.ts), each into the asset directory
 * the construct deploys (lib/functions/lambda-asset.ts says where they live), with the same options;
 * and the operator's command (`bin`), whose bundle `npm run build` writes as well.
 * Run by `npm run build`
 * (so `npm pack` ships it), by jest's global setup, by the repo's `cdk synth` and by the
 * bench, so that the repo and every consumer deploy the same bytes: one bundle, one hash.
 *
 * Deterministic: the options below are fixed, esbuild is pinned, paths are relative to
 * the package root (absWorkingDir), there is no source map and no banner (but the command's
 * `#!/usr/bin/env node`), and legal
 * comments are gathered at the end of the file in input order. The file is written only
 * when its bytes change, so a check that finds it current touches nothing (tests that
 * read the asset meanwhile never see a half-written file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { BuildOptions, buildSync } from 'esbuild';
import { BACKUP_LAMBDA_ASSET_DIR, BACKUP_LAMBDA_HANDLER, OLDEST_NODE_RUNTIME_MAJOR, ROTATION_LAMBDA_ASSET_DIR, ROTATION_LAMBDA_HANDLER } from '../lib/functions/lambda-asset';

const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** One function of the package: its entry (which exports `handler`), asset directory and handler setting. */
export interface LambdaEntry {
  readonly entry: string;
  readonly assetDir: string;
  readonly handler: string;
}

export const LAMBDAS: readonly LambdaEntry[] = [
  { entry: 'lambda/backup/handler.ts', assetDir: BACKUP_LAMBDA_ASSET_DIR, handler: BACKUP_LAMBDA_HANDLER },
  { entry: 'lambda/rotation/handler.ts', assetDir: ROTATION_LAMBDA_ASSET_DIR, handler: ROTATION_LAMBDA_HANDLER },
];

export interface BundleResult {
  /** The bundle, index.js in the asset directory. */
  readonly file: string;
  readonly bytes: number;
  /** False when the file already held exactly these bytes. */
  readonly written: boolean;
}

/** Bundles one function into its asset directory (written only when the bytes changed). */
export function bundleLambda(lambda: LambdaEntry): BundleResult {
  const file = path.join(lambda.assetDir, `${lambda.handler.split('.')[0]}.js`);
  return writeBundle(lambda.entry, file, {
    // The oldest runtime the `runtime` prop accepts (lib/functions/function-runtime.ts): the bundle
    // runs on it and on every later Node.js runtime.
    target: `node${OLDEST_NODE_RUNTIME_MAJOR}`,
    // The Node.js runtimes provide the AWS SDK v3; pg and everything else is bundled.
    external: ['@aws-sdk/*'],
  });
}

/** The operator's command, the package's `bin` (lambda/backup/tools/operator-command.ts). */
export const OPERATOR_COMMAND = { entry: 'lambda/backup/tools/operator-command.ts', file: path.join(PACKAGE_ROOT, 'dist', 'cli', 'cockroach-backup-cdk.js') };

/**
 * Bundles the operator's command with everything it uses, pg and the AWS SDK clients
 * included, so that `npx cockroach-backup-cdk` installs no dependency; for the oldest
 * Node.js the package's `engines` admits, as an executable script.
 */
export function bundleOperatorCommand(): BundleResult {
  const engines = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  const oldestNode = /^>=(\d+)$/.exec(engines)?.[1];
  if (oldestNode === undefined) throw new Error(`expected package.json's engines.node to read >=<major>, found ${engines}`);
  const result = writeBundle(OPERATOR_COMMAND.entry, OPERATOR_COMMAND.file, {
    target: `node${oldestNode}`,
    banner: { js: '#!/usr/bin/env node' },
    // The AWS SDK's ES modules, which esbuild can tree-shake: 530 KB instead of 800 KB.
    mainFields: ['module', 'main'],
  });
  fs.chmodSync(OPERATOR_COMMAND.file, 0o755);
  return result;
}

/**
 * Bundles `entry` into `file` with the options every bundle of the package shares, plus
 * `options`; writes only when the bytes changed, and `file` alone in its directory (every
 * file in an asset directory is part of the asset hash).
 */
function writeBundle(entry: string, file: string, options: Pick<BuildOptions, 'target' | 'external' | 'banner' | 'mainFields'>): BundleResult {
  const result = buildSync({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [entry],
    outfile: file,
    // No `tsconfig` option: esbuild then applies tsconfig.json (strict, so "use strict") to
    // the repo's own files and leaves the modules in node_modules as their authors wrote them.
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    logLevel: 'warning',
    write: false,
    ...options,
  });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild produced ${result.outputFiles.length} files, expected ${file} alone`);
  const bytes = Buffer.from(result.outputFiles[0].contents);
  const current = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  if (current !== undefined && current.equals(bytes)) return { file, bytes: bytes.length, written: false };
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  for (const name of fs.readdirSync(dir)) {
    if (name !== path.basename(file)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  // Written beside the directory, then renamed: a reader sees the old file or the new one, never a part.
  const partial = `${dir}.${process.pid}.partial`;
  fs.writeFileSync(partial, bytes);
  fs.renameSync(partial, file);
  return { file, bytes: bytes.length, written: true };
}

/** Bundles every function of the package. */
export function bundleLambdas(): BundleResult[] {
  return LAMBDAS.map(bundleLambda);
}

/** One line per bundle, for the scripts' output. */
export function describeBundles(results: readonly BundleResult[]): string {
  return results.map(({ file, bytes, written }) => `${path.relative(PACKAGE_ROOT, file)}: ${bytes} bytes${written ? '' : ' (unchanged)'}`).join('\n');
}

if (require.main === module) {
  console.error(describeBundles(bundleLambdas()));
}
