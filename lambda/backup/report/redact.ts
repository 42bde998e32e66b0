/**
 * The one place every log line, error message and printed statement passes through
 * before it leaves the process. The code never puts a secret into a message on
 * purpose; this is the second line of defense for the day it does by accident
 * (a driver error that quotes a connection string, a statement echoed in an error).
 *
 * Two mechanisms:
 * - known secret values (password, secret access key), registered when loaded, are
 *   replaced wherever they appear, raw or URL-encoded;
 * - fragments that always carry a secret (`AWS_SECRET_ACCESS_KEY=...`, `password=...`,
 *   `"password":"..."`, `"secretAccessKey":"..."`) are replaced whatever their value.
 */

export const REDACTED = 'redacted';

const knownSecrets = new Set<string>();

/** Registers a secret value so that it is removed from every later message. */
export function registerSecret(value: string): void {
  // Very short values would blank out ordinary words; secrets here are long.
  if (value.length < 4) return;
  knownSecrets.add(value);
  const encoded = encodeURIComponent(value);
  if (encoded !== value) knownSecrets.add(encoded);
}

const FRAGMENTS: readonly [RegExp, string][] = [
  // A value starting with '<' is the tools' placeholder (tools/pasteable.ts): a key, raw or
  // URL-encoded, never holds '<'.
  [/(AWS_SECRET_ACCESS_KEY=)(?!<)[^&'"\s]*/gi, `$1${REDACTED}`],
  [/(AWS_SESSION_TOKEN=)[^&'"\s]*/gi, `$1${REDACTED}`],
  [/(password=)[^&'"\s]*/gi, `$1${REDACTED}`],
  [/("(?:password|secretAccessKey)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, `$1"${REDACTED}"`],
  // postgresql://user:password@host
  [/(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/gi, `$1${REDACTED}@`],
];

/** Returns the text with every known secret and secret-bearing fragment replaced. */
export function redact(text: string): string {
  let result = text;
  // Longest first, so that a secret containing another is removed whole.
  for (const secret of [...knownSecrets].sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of FRAGMENTS) {
    result = result.replace(pattern, replacement);
  }
  return result;
}

/** An error's message, redacted; for values that are not errors, their string form. */
export function redactedMessage(error: unknown): string {
  return redact(error instanceof Error ? error.message : String(error));
}
