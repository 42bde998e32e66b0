/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  // Synthesis bundles the Lambda with esbuild and the double starts real servers:
  // both are slow on a 2-core machine, so give them room.
  testTimeout: 60000,
};
