import * as lambda from 'aws-cdk-lib/aws-lambda';
import { CockroachBackup } from '../../../lib';
import { constructionError, synthBackup } from '../fixtures';

/** The Runtime of the construct's two functions (backup Lambda, rotation function), in that order. */
function runtimes(backup: CockroachBackup): unknown[] {
  return [backup.backupFunction, backup.rotationFunction].map((fn) => (fn?.node.defaultChild as lambda.CfnFunction | undefined)?.runtime);
}

/** Node.js 26 as aws-cdk-lib 2.277+ names it (`lambda.Runtime.NODEJS_26_X`); the repo pins an older aws-cdk-lib. */
const NODEJS_26 = new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });

describe('runtime', () => {
  test('defaults to Node.js 24 on both functions', () => {
    expect(runtimes(synthBackup().backup)).toEqual(['nodejs24.x', 'nodejs24.x']);
  });

  test('puts a later Node.js runtime on both functions', () => {
    expect(runtimes(synthBackup({ runtime: NODEJS_26 }).backup)).toEqual(['nodejs26.x', 'nodejs26.x']);
  });

  test('accepts Node.js 24 given explicitly', () => {
    expect(runtimes(synthBackup({ runtime: lambda.Runtime.NODEJS_24_X }).backup)).toEqual(['nodejs24.x', 'nodejs24.x']);
  });

  test.each([
    ['an older Node.js', lambda.Runtime.NODEJS_22_X, 'nodejs22.x'],
    ['another family', lambda.Runtime.PYTHON_3_13, 'python3.13'],
    ['a custom runtime', lambda.Runtime.PROVIDED_AL2023, 'provided.al2023'],
    ['a Node.js name without a version', new lambda.Runtime('nodejs', lambda.RuntimeFamily.NODEJS), 'nodejs'],
  ])('refuses %s, naming the prop, the runtime and the accepted ones', (_what, runtime, name) => {
    expect(constructionError({ runtime })).toBe(
      `TestStack/Backup: runtime is ${name}: expected a Node.js runtime the package's prebuilt bundle runs on: nodejs24.x or a later nodejsNN.x (e.g. lambda.Runtime.NODEJS_24_X, or NODEJS_26_X on aws-cdk-lib 2.277 or later)`,
    );
  });
});
