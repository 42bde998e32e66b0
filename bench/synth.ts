import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { median, runProcess } from './measure';
import { BACKUP_LAMBDA_ASSET_DIR } from '../lib/functions/lambda-asset';

export const PROJECT_ROOT = join(__dirname, '..');
const EXAMPLE_STACK = 'CockroachBackupExample';

/** The app commands compared: the project's (cdk.json), `cdk init`'s type-checking default, and the empty app. */
export const APPS = {
  example: undefined,
  exampleTypeChecked: 'npx ts-node --prefer-ts-exts bin/app.ts',
  empty: 'npx ts-node --transpile-only bench/fixtures/empty-app.ts',
} as const;

export interface SynthRun {
  readonly ms: number;
  readonly outdir: string;
  /** Phases the CDK app recorded in performance-counters.json (milliseconds), when it wrote the file. */
  readonly counters: Readonly<Record<string, number>>;
}

/**
 * aws-cdk-lib writes its phase counters only for a synth slower than this context value
 * (10 s per stack by default; core/lib/app.js shouldReportSlowSynth); 0 makes every
 * synth write them, a few hundred bytes, so each run can be profiled.
 */
const ALWAYS_WRITE_COUNTERS = ['-c', '@aws-cdk/core.slowSynthThreshold=0'];

/** `npx cdk synth --quiet -o <new temporary directory>`, with another app command when given. */
export async function cdkSynth(app: string | undefined): Promise<SynthRun> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-synth-'));
  const args = ['cdk', 'synth', '--quiet', '-o', outdir, ...ALWAYS_WRITE_COUNTERS, ...(app === undefined ? [] : ['--app', app])];
  const run = await runProcess('npx', args, { cwd: PROJECT_ROOT, timeoutMs: 300_000 });
  const countersFile = join(outdir, 'performance-counters.json');
  const counters = statExists(countersFile) ? (JSON.parse(readFileSync(countersFile, 'utf8')) as { counters: Record<string, number> }).counters : {};
  return { ms: run.ms, outdir, counters };
}

function statExists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

export interface Template {
  readonly bytes: number;
  readonly resources: number;
}

export function exampleTemplate(outdir: string): Template {
  const text = readFileSync(join(outdir, `${EXAMPLE_STACK}.template.json`), 'utf8');
  return { bytes: Buffer.byteLength(text), resources: Object.keys((JSON.parse(text) as { Resources: object }).Resources).length };
}

/**
 * The backup Lambda's bundle as the construct staged it in the cloud assembly: the asset
 * directory whose index.js holds the bytes of dist/backup-lambda/index.js (the rotation
 * function is staged beside it).
 */
export function lambdaBundle(outdir: string): { file: string; bytes: number } {
  const built = readFileSync(join(BACKUP_LAMBDA_ASSET_DIR, 'index.js'));
  const staged = readdirSync(outdir)
    .filter((name) => name.startsWith('asset.'))
    .map((name) => join(outdir, name, 'index.js'))
    .filter((file) => existsSync(file) && readFileSync(file).equals(built));
  if (staged.length !== 1) throw new Error(`expected one staged copy of the backup Lambda's bundle in ${outdir}, found ${staged.length}`);
  return { file: staged[0], bytes: statSync(staged[0]).size };
}

/** Medians of the phases synths recorded, over the runs that wrote the file (`runs`). */
export function medianCounters(runs: readonly SynthRun[], names: readonly string[]): { runs: number; phases: Record<string, number> } {
  const recorded = runs.filter((r) => Object.keys(r.counters).length > 0);
  const phases: Record<string, number> = {};
  for (const name of names) {
    const values = recorded.map((r) => r.counters[name]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) phases[name] = median(values);
  }
  return { runs: recorded.length, phases };
}
