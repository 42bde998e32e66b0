/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Builds the Lambda's bundle when it is missing or stale: the tests synthesize with the
  // bytes the package ships (lib/functions/lambda-asset.ts).
  globalSetup: '<rootDir>/scripts/jest-global-setup.ts',
  // The double starts real servers and the package test installs a packed tarball:
  // both are slow on a 2-core machine, so give them room.
  testTimeout: 60000,
};
