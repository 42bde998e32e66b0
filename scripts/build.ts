/**
 * `npm run build` (and `npm pack`, through `prepack`): the package's contents in dist/,
 * from scratch. The compiled library and its types (tsconfig.build.json: lib/ and
 * contract/ only, so nothing of the tests or the Lambda's internals reaches a .d.ts), then
 * the bundles of the backup Lambda, the rotation function and the operator's command (`bin`). The compiled directories are emptied first, so that a file deleted
 * from lib/ cannot linger in a published package.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bundleLambdas, bundleOperatorCommand, describeBundles } from './bundle-lambda';

const PACKAGE_ROOT = path.resolve(__dirname, '..');
const COMPILED_DIRS = ['dist/lib', 'dist/contract'];

for (const dir of COMPILED_DIRS) fs.rmSync(path.join(PACKAGE_ROOT, dir), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: PACKAGE_ROOT, stdio: 'inherit' });
const bundles = [...bundleLambdas(), bundleOperatorCommand()];
console.error(`built ${COMPILED_DIRS.join(', ')} and\n${describeBundles(bundles)}`);
