/**
 * Statements the operator's tools print to be pasted into a SQL shell. A storage URI that
 * holds the secret access key is never printed, neither in clear nor redacted (a redacted
 * key fails only once pasted, inside CockroachDB): the statements name it by a
 * placeholder, and comments above them give the URI with a second placeholder where the
 * key goes and say where the key comes from. A URI without a secret (`external://name`)
 * is printed as it is.
 */

/** What the statements carry instead of a storage URI that holds a secret. */
export const URI_PLACEHOLDER = '<collection URI>';

/** Where the secret access key goes in the URI the comments give. */
export const SECRET_PLACEHOLDER = '<secret access key>';

const SECRET_PARAMETER = /(AWS_SECRET_ACCESS_KEY=)[^&]*/;

/**
 * `statements` (each naming `target`) ready to paste: with `target` replaced by
 * URI_PLACEHOLDER and the instructions to fill it in first, when `target` holds a secret.
 * `keyOrigin` says where the operator finds the key, e.g. "AWS_SECRET_ACCESS_KEY".
 */
export function pasteableStatements(statements: readonly string[], target: string, keyOrigin: string): string[] {
  if (!SECRET_PARAMETER.test(target)) return [...statements];
  return [
    `-- ${URI_PLACEHOLDER} below stands for the collection's URI (it holds the secret access key, so it is not printed):`,
    `--   ${target.replace(SECRET_PARAMETER, `$1${SECRET_PLACEHOLDER}`)}`,
    `-- with ${SECRET_PLACEHOLDER} replaced by the secret access key from ${keyOrigin}, URL-encoded (+ as %2B, / as %2F, = as %3D).`,
    ...statements.map((statement) => statement.split(target).join(URI_PLACEHOLDER)),
  ];
}
