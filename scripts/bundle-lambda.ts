/**
 * Bundles the backup Lambda (lambda/backup/handler.ts) into the asset directory that
 * the construct deploys (lib/lambda-asset.ts says where it lives). Run by `npm run build`
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
import { BACKUP_LAMBDA_ASSET_DIR, BACKUP_LAMBDA_HANDLER } from '../lib/lambda-asset';

const PACKAGE_ROOT = path.resolve(__dirname, '..');

/** The Lambda's entry: exports `handler` (BACKUP_LAMBDA_HANDLER is `index.handler`). */
const ENTRY = 'lambda/backup/handler.ts';

export interface BundleResult {
  /** The bundle, index.js in the asset directory. */
  readonly file: string;
  readonly bytes: number;
  /** False when the file already held exactly these bytes. */
  readonly written: boolean;
}

export function bundleBackupLambda(): BundleResult {
  const file = path.join(BACKUP_LAMBDA_ASSET_DIR, `${BACKUP_LAMBDA_HANDLER.split('.')[0]}.js`);
  const result = buildSync({
    absWorkingDir: PACKAGE_ROOT,
    entryPoints: [ENTRY],
    outfile: file,
    // No `tsconfig` option: esbuild then applies tsconfig.json (strict, so "use strict") to
    // the repo's own files and leaves the modules in node_modules as their authors wrote them.
    bundle: true,
    platform: 'node',
    // The Lambda runtime (NODEJS_24_X in lib/backup-function.ts).
    target: 'node24',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    // The Node.js 24 runtime provides the AWS SDK v3; pg and everything else is bundled.
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
    write: false,
  });
  if (result.outputFiles.length !== 1) throw new Error(`esbuild produced ${result.outputFiles.length} files, expected ${file} alone`);
  const bytes = Buffer.from(result.outputFiles[0].contents);
  const current = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
  if (current !== undefined && current.equals(bytes)) return { file, bytes: bytes.length, written: false };
  // Every file in the directory is part of the asset hash: index.js must be alone.
  fs.mkdirSync(BACKUP_LAMBDA_ASSET_DIR, { recursive: true });
  for (const name of fs.readdirSync(BACKUP_LAMBDA_ASSET_DIR)) {
    if (name !== path.basename(file)) fs.rmSync(path.join(BACKUP_LAMBDA_ASSET_DIR, name), { recursive: true, force: true });
  }
  // Written beside the directory, then renamed: a reader sees the old file or the new one, never a part.
  const partial = `${BACKUP_LAMBDA_ASSET_DIR}.${process.pid}.partial`;
  fs.writeFileSync(partial, bytes);
  fs.renameSync(partial, file);
  return { file, bytes: bytes.length, written: true };
}

if (require.main === module) {
  const { file, bytes, written } = bundleBackupLambda();
  console.error(`${path.relative(PACKAGE_ROOT, file)}: ${bytes} bytes${written ? '' : ' (unchanged)'}`);
}
