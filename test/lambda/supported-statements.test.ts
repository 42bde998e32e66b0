import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { installSecretGuard } from './helpers/secret-guard';

installSecretGuard();

/**
 * From v26.1 CockroachDB refuses reads of crdb_internal and system by default, and
 * overriding that (allow_unsafe_internals) is logged as sensitive access: the Lambda
 * must reach the cluster through supported statements only (SHOW BACKUP, SHOW JOB(S),
 * BACKUP). This reads its sources with comments removed: what remains is code, and no
 * code may name those schemas or that setting.
 */
const LAMBDA = join(__dirname, '..', '..', 'lambda');
const UNSUPPORTED = /crdb_internal|\bsystem\.|allow_unsafe_internals/i;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The code of a file: block and line comments removed (no string in these sources contains comment markers). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe("the Lambda's SQL", () => {
  const files = sourceFiles(LAMBDA);

  test('is read from every source file of the Lambda', () => {
    expect(files.map((f) => f.slice(LAMBDA.length + 1))).toEqual(expect.arrayContaining(['backup/observe/job-queries.ts', 'backup/observe/stored-chain.ts', 'backup/procedure.ts']));
  });

  test('never reads crdb_internal or system, nor sets allow_unsafe_internals', () => {
    const offending = files.flatMap((file) =>
      code(readFileSync(file, 'utf8'))
        .split('\n')
        .filter((line) => UNSUPPORTED.test(line))
        .map((line) => `${file.slice(LAMBDA.length + 1)}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });

  test('would catch such a statement', () => {
    expect(code("  const rows = await session.query('x', 'SELECT * FROM crdb_internal.jobs'); // read jobs").match(UNSUPPORTED)).not.toBeNull();
    expect(code('/** crdb_internal.jobs is closed from v26.1 */').match(UNSUPPORTED)).toBeNull();
  });
});
