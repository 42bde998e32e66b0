/**
 * Bundles the package's two functions, the backup Lambda (lambda/backup/handler.ts) and the
 * access-key rotation function (lambda/rotation/handler.ts), each into the asset directory
 * the construct deploys (lib/lambda-asset.ts says where they live), with the same options.
 * Run by `npm run build`
 * (so `npm pack` ships it), by jest's global setup, by the repo's `cdk synth` and by the
 * bench, so that the repo and every consumer deploy the same bytes: one bundle, one hash.
 *
 * Deterministic: the options below are fixed, esbuild is pinned, paths are relative to
 * the package root (absWorkingDir), there is no source map and no banner, and legal
 * comments are gathered at the end of the file in input order. The file is written only
 * when its bytes change, so a check that finds it current touches nothing (tests that
 * read the asset meanwhile never see a half-written file).
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { BACKUP_LAMBDA_ASSET_DIR, BACKUP_LAMBDA_HANDLER, OLDEST_NODE_RUNTIME_MAJOR, ROTATION_LAMBDA_ASSET_DIR, ROTATION_LAMBDA_HANDLER } from '../lib/lambda-asset';

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
  const result = buildSync({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [lambda.entry],
    outfile: file,
    // No `tsconfig` option: esbuild then applies tsconfig.json (strict, so "use strict") to
    // the repo's own files and leaves the modules in node_modules as their authors wrote them.
    bundle: true,
    platform: 'node',
    // The oldest runtime the `runtime` prop accepts (lib/function-runtime.ts): the bundle
    // runs on it and on every later Node.js runtime.
    target: `node${OLDEST_NODE_RUNTIME_MAJOR}`,
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    // The Node.js runtimes provide the AWS SDK v3; pg and everything else is bundled.
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
    write: false,
  });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild produced ${result.outputFiles.length} files, expected ${file} alone`);
  const bytes = Buffer.from(result.outputFiles[0].contents);
  const current = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  if (current !== undefined && current.equals(bytes)) return { file, bytes: bytes.length, written: false };
  // Every file in the directory is part of the asset hash: index.js must be alone.
  fs.mkdirSync(lambda.assetDir, { recursive: true });
  for (const name of fs.readdirSync(lambda.assetDir)) {
    if (name !== path.basename(file)) fs.rmSync(path.join(lambda.assetDir, name), { recursive: true, force: true });
  }
  // Written beside the directory, then renamed: a reader sees the old file or the new one, never a part.
  const partial = `${lambda.assetDir}.${process.pid}.partial`;
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
