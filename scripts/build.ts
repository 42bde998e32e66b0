/**
 * `npm run build` (and `npm pack`, through `prepack`): the package's contents in dist/,
 * from scratch. The compiled library, its types and its jsii assembly (tsconfig.build.json: lib/ and
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
// jsii compiles lib/ and contract/ (tsconfig.jsii.json, which extends tsconfig.build.json) as tsc
// would, and writes the assembly (.jsii, compressed into .jsii.gz) that jsii-pacmak generates the
// Python, Java, .NET and Go bindings from and jsii-docgen writes API.md from.
// Its report goes to stderr: `npm pack --json` (prepack runs this) keeps stdout for its own JSON.
execFileSync(process.execPath, [path.join(path.dirname(require.resolve('jsii/package.json')), 'bin', 'jsii'), '--compress-assembly'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 2, 2] });
const bundles = [...bundleLambdas(), bundleOperatorCommand()];
console.error(`built ${COMPILED_DIRS.join(', ')} and\n${describeBundles(bundles)}`);
