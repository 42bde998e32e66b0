import { StackLayout, ClustersSynth, LAYOUTS } from './fixtures/clusters-stack';
import { median, runProcess } from './measure';
import { PROJECT_ROOT } from './synth';

/** CloudFormation's limit of resources in one stack. */
export const STACK_RESOURCE_LIMIT = 500;

export interface ScalingRow {
  readonly clusters: number;
  readonly layout: StackLayout;
  readonly resources: number;
  readonly synthMs: number;
}

export interface LayoutGrowth {
  readonly layout: StackLayout;
  /** Resources each further cluster adds. */
  readonly perCluster: number;
  /** Resources that do not grow with clusters (the stack's, or the shared bucket's share). */
  readonly fixed: number;
  /** Clusters that fit under STACK_RESOURCE_LIMIT. */
  readonly fit: number;
  /** Synth time each further cluster adds (ms): least-squares slope over every synth of the layout. */
  readonly synthMsPerCluster: number;
  /** What each further cluster adds, by resource type. */
  readonly typesPerCluster: Readonly<Record<string, number>>;
}

/**
 * Synthesizes stacks of `sizes` clusters in every layout, `runs` times each, in one
 * separate process (its module loading happens once, in a warm-up that is not measured;
 * bundling happens in every synth, as in a fresh `cdk synth`).
 */
export async function measureScaling(sizes: readonly number[], runs: number): Promise<{ rows: ScalingRow[]; growth: LayoutGrowth[] }> {
  const script = 'bench/fixtures/clusters-stack.ts';
  const run = await runProcess('npx', ['ts-node', '--transpile-only', script, String(runs), ...sizes.map(String)], { cwd: PROJECT_ROOT, timeoutMs: 600_000 });
  const results = JSON.parse(run.stdout.trim().split('\n').pop() ?? '[]') as ClustersSynth[];
  const rows: ScalingRow[] = [];
  for (const clusters of sizes) {
    for (const layout of LAYOUTS) {
      const same = results.filter((r) => r.clusters === clusters && r.layout === layout);
      rows.push({ clusters, layout, resources: same[0].resources, synthMs: median(same.map((r) => r.synthMs)) });
    }
  }
  const byType = (layout: StackLayout, clusters: number): Readonly<Record<string, number>> =>
    results.find((r) => r.layout === layout && r.clusters === clusters)?.resourcesByType ?? {};
  const smallest = Math.min(...sizes);
  const largest = Math.max(...sizes);
  const growth = LAYOUTS.map((layout): LayoutGrowth => {
    const low = rows.find((r) => r.layout === layout && r.clusters === smallest)!;
    const high = rows.find((r) => r.layout === layout && r.clusters === largest)!;
    const perCluster = (high.resources - low.resources) / (largest - smallest);
    const fixed = low.resources - perCluster * smallest;
    return {
      layout,
      perCluster,
      fixed,
      fit: Math.floor((STACK_RESOURCE_LIMIT - fixed) / perCluster),
      synthMsPerCluster: slope(results.filter((r) => r.layout === layout).map((r) => [r.clusters, r.synthMs])),
      typesPerCluster: typesAdded(byType(layout, smallest), byType(layout, largest), largest - smallest),
    };
  });
  return { rows, growth };
}

function typesAdded(low: Readonly<Record<string, number>>, high: Readonly<Record<string, number>>, clusters: number): Record<string, number> {
  const added: Record<string, number> = {};
  for (const [type, count] of Object.entries(high)) {
    const perCluster = (count - (low[type] ?? 0)) / clusters;
    if (perCluster !== 0) added[type] = perCluster;
  }
  return added;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}
