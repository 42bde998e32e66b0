import * as path from 'path';

/**
 * Where the backup Lambda's code is: the asset directory `dist/backup-lambda/` of the
 * package, holding one file, `index.js`, that scripts/bundle-lambda.ts bundles at build
 * time (`npm run build`, which `npm pack` runs). The package ships it, so a consumer's
 * `cdk synth` needs no esbuild, no Docker and no lockfile, and deploys the bytes this
 * repository tested.
 *
 * This file runs from two places, and both name the same directory from this file's own
 * location, without searching the disk:
 * - compiled, as `dist/lib/functions/lambda-asset.js` (the published package, or the repo after a
 *   build): the asset is `dist/backup-lambda`, two levels up;
 * - as TypeScript source, `lib/functions/lambda-asset.ts` (ts-node for the repo's `cdk synth` and
 *   bench, ts-jest for the tests): the asset is `dist/backup-lambda` under the repo root,
 *   the very directory `npm pack` ships. The repo therefore synthesizes with the
 *   published bytes, and its asset hash is the consumers'.
 */
const COMPILED = path.extname(__filename) === '.js';

/**
 * The oldest Node.js major the bundles run on: esbuild's target (scripts/bundle-lambda.ts)
 * and the oldest runtime the `runtime` prop accepts (lib/functions/function-runtime.ts).
 */
export const OLDEST_NODE_RUNTIME_MAJOR = 24;

/** The asset directory: `Code.fromAsset` hashes and uploads everything in it. */
export const BACKUP_LAMBDA_ASSET_DIR = COMPILED ? path.join(__dirname, '..', '..', 'backup-lambda') : path.join(__dirname, '..', '..', 'dist', 'backup-lambda');

/** The Lambda's handler setting: `handler` exported by `index.js` in the asset directory. */
export const BACKUP_LAMBDA_HANDLER = 'index.handler';

/**
 * The access-key rotation function's asset directory, `dist/rotation-lambda/` (bundled from
 * lambda/rotation/handler.ts by scripts/bundle-lambda.ts), located like the backup Lambda's.
 */
export const ROTATION_LAMBDA_ASSET_DIR = COMPILED ? path.join(__dirname, '..', '..', 'rotation-lambda') : path.join(__dirname, '..', '..', 'dist', 'rotation-lambda');

/** The rotation function's handler setting. */
export const ROTATION_LAMBDA_HANDLER = 'index.handler';

/**
 * The password rotation function's handler setting: a second export of the backup Lambda's
 * bundle (lambda/backup/handler.ts re-exports lambda/rotation/password-handler.ts), which holds
 * the pg driver and connection code it needs; the two functions share one asset.
 */
export const PASSWORD_ROTATION_HANDLER = 'index.passwordRotationHandler';
