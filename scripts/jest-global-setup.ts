import { bundleLambdas } from './bundle-lambda';

/**
 * Jest's global setup: every test that synthesizes the construct uses the functions' bundles,
 * the bytes `npm pack` ships. Built here (or found current) once, before any test runs,
 * so that a fresh clone's `npm test` and a test of a changed Lambda never see a missing
 * or stale bundle.
 */
export = function globalSetup(): void {
  bundleLambdas();
};
