import { dirname, join } from 'path';
import { median, runProcess } from './measure';
import { PROJECT_ROOT } from './synth';

export interface ColdLoad {
  /** `require` of the bundle (median). */
  readonly bundleMs: number;
  /** `require` of the Secrets Manager client alone (median): the part of bundleMs that is the SDK's. */
  readonly sdkMs: number;
}

/**
 * Module-load time in fresh Node.js processes: the time `require` takes, measured inside
 * each process (Node's own start-up is the same for any function). The bundle leaves
 * `@aws-sdk/*` to the Lambda runtime, which provides it; here it resolves from the
 * project's node_modules (NODE_PATH), so its loading is part of the figure, as it is in
 * Lambda. The bundle and the SDK alone are loaded alternately, so both see the same load.
 */
export async function measureColdLoad(bundleFile: string, runs: number): Promise<ColdLoad> {
  const bundle: number[] = [];
  const sdk: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    bundle.push(await requireMs(bundleFile, dirname(bundleFile)));
    sdk.push(await requireMs('@aws-sdk/client-secrets-manager', PROJECT_ROOT));
  }
  return { bundleMs: median(bundle), sdkMs: median(sdk) };
}

async function requireMs(moduleId: string, cwd: string): Promise<number> {
  const script = [
    'const started = process.hrtime.bigint();',
    `const loaded = require(${JSON.stringify(moduleId)});`,
    "if (typeof loaded !== 'object' || loaded === null) throw new Error('nothing loaded');",
    'process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));',
  ].join('\n');
  const env = { ...process.env, NODE_PATH: join(PROJECT_ROOT, 'node_modules') };
  const run = await runProcess(process.execPath, ['-e', script], { cwd, env, timeoutMs: 60_000 });
  return Number(run.stdout);
}
