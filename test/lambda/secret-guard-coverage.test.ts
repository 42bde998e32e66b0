import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { findSecrets, installSecretGuard, TEST_PASSWORD, TEST_SECRET_ACCESS_KEY } from './helpers/secret-guard';

installSecretGuard();

function testFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? testFiles(path) : name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('secret guard', () => {
  test('is installed by every lambda test file, so no secret can leak unnoticed from any of them', () => {
    const unguarded = testFiles(__dirname).filter((file) => !readFileSync(file, 'utf8').includes('installSecretGuard('));
    expect(unguarded).toEqual([]);
  });

  test('finds a secret in raw and in URL-encoded form', () => {
    expect(findSecrets(`password ${TEST_PASSWORD}`)).toEqual([TEST_PASSWORD]);
    expect(findSecrets(`AWS_SECRET_ACCESS_KEY=${encodeURIComponent(TEST_SECRET_ACCESS_KEY)}`)).toEqual([TEST_SECRET_ACCESS_KEY]);
    expect(findSecrets('AWS_SECRET_ACCESS_KEY=redacted')).toEqual([]);
  });
});
