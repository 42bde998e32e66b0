/**
 * Secrets used by every lambda test, and the guard that proves none of them leaks:
 * each test file installs it; it captures everything written to the console (which
 * also keeps test output readable) and, after the file's tests, fails if any captured
 * line, or any result or error message handed to `inspect`, contains a secret value,
 * raw or URL-encoded.
 */
export const TEST_PASSWORD = 'pw-Sup3r/Secret+Pass';
/** Contains '/' and '+', like real secret access keys. */
export const TEST_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
export const TEST_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
/** The key a rotation makes current (rotation, retry and external-connection tests). */
export const TEST_ROTATED_SECRET_ACCESS_KEY = 'Rotated/Secret+Key0123456789abcdefghijklm';
export const TEST_ROTATED_ACCESS_KEY_ID = 'AKIAROTATEDEXAMPLE01';

export const TEST_SECRETS: readonly string[] = [TEST_PASSWORD, TEST_SECRET_ACCESS_KEY, TEST_ROTATED_SECRET_ACCESS_KEY];

export function findSecrets(text: string, secrets: readonly string[] = TEST_SECRETS): string[] {
  return secrets.filter((s) => text.includes(s) || text.includes(encodeURIComponent(s)));
}

// Values recorded by helpers (every handler result and error, see harness.ts), checked
// by the guard of the test file they were recorded in.
const recorded: string[] = [];

function describeValue(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}\n${value.stack ?? ''}` : (JSON.stringify(value) ?? String(value));
}

/** Records a value (result, error) to be checked for secrets after the file's tests. */
export function recordForSecretCheck(value: unknown): void {
  recorded.push(describeValue(value));
}

export interface SecretGuard {
  /** Console lines captured in the current test. */
  readonly lines: string[];
  /** Records a value (result, error) to be checked with the console output. */
  inspect(value: unknown): void;
}

export function installSecretGuard(extraSecrets: readonly string[] = []): SecretGuard {
  const lines: string[] = [];
  const all: string[] = [];
  const capture = (...args: unknown[]): void => {
    const line = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    lines.push(line);
    all.push(line);
  };
  beforeEach(() => {
    lines.length = 0;
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      jest.spyOn(console, method).mockImplementation(capture);
    }
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  afterAll(() => {
    const leaks = [...all, ...recorded].flatMap((text) => findSecrets(text, [...TEST_SECRETS, ...extraSecrets]).map((s) => `${s} in ${text.slice(0, 200)}`));
    expect(leaks).toEqual([]);
  });
  return {
    lines,
    inspect: recordForSecretCheck,
  };
}
