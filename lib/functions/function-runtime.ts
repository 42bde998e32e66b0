import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { OLDEST_NODE_RUNTIME_MAJOR } from './lambda-asset';
import { invalid } from '../validation';

/** The functions' runtime when the `runtime` prop is not set. */
export const DEFAULT_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * The runtime both functions run on: `runtime`, or Node.js 24. The package ships one
 * prebuilt bundle per function, built for Node.js `OLDEST_NODE_RUNTIME_MAJOR`
 * (scripts/bundle-lambda.ts takes its esbuild target from the same constant) and
 * expecting the AWS SDK v3 the Node.js runtimes provide, so it runs on that Node.js
 * runtime and every later one (`nodejs26.x`, which aws-cdk-lib 2.277 added, and those
 * still to come) and on nothing else: another family, or an older Node.js, is refused.
 * A runtime whose name is a token is taken as given.
 */
export function functionRuntime(scope: IConstruct, runtime: lambda.Runtime | undefined): lambda.Runtime {
  if (runtime === undefined) return DEFAULT_RUNTIME;
  if (Token.isUnresolved(runtime.name)) return runtime;
  const major = /^nodejs(\d+)\.x$/.exec(runtime.name);
  if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === null || Number(major[1]) < OLDEST_NODE_RUNTIME_MAJOR) {
    invalid(
      scope,
      'runtime',
      runtime.name,
      `a Node.js runtime the package's prebuilt bundle runs on: nodejs${OLDEST_NODE_RUNTIME_MAJOR}.x or a later nodejsNN.x (e.g. lambda.Runtime.NODEJS_24_X, or NODEJS_26_X on aws-cdk-lib 2.277 or later)`,
    );
  }
  return runtime;
}
