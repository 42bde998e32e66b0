import { bundleLambdas } from './bundle-lambda';

/**
 * Preloaded by cdk.json's app command and by `npm run bench` (`ts-node --require`): the
 * repo's `cdk synth` and the bench build the Lambda's bundle when it is missing or stale
 * (a fresh clone, an edited function) in the app's own process, so a synth still costs one
 * ts-node start.
 */
bundleLambdas();
