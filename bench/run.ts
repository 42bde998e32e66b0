import { rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { measureColdLoad } from './bundle';
import { LAYOUTS, StackLayout } from './fixtures/clusters-stack';
import { bytes, markdownTable, ms, ratio, verdict } from './format';
import { JOB_DURATION_MS, measureLambdaRuns, RunFigures } from './lambda-runs';
import { describeMachine } from './machine';
import { median, nowMs } from './measure';
import { measureScaling, STACK_RESOURCE_LIMIT } from './scaling';
import { measureStorageRead } from './storage-read';
import { latencyRows, measureDetectionLatency } from './detection-latency';
import { measureChainRead } from './chain-read';
import { APPS, cdkSynth, exampleTemplate, lambdaBundle, medianCounters, PROJECT_ROOT, SynthRun } from './synth';

/** How often each figure is taken (each figure is the median). */
const RUNS = { synth: 3, coldLoad: 15, lambda: 15, scaling: 3, storageRead: 9, chainRead: 5, detection: 6 } as const;
/** The chain read's table counts, on a chain of a full backup and 48 incrementals (issue 21). */
const CHAIN_READ = { tables: [10, 1000], layers: 49 } as const;
/** Chain lengths at which the storage read is measured; 48 is the most Cockroach Labs supports. */
const CHAIN_LENGTHS = [0, 12, 48] as const;
const CLUSTER_COUNTS = [1, 10, 50] as const;
const LAYOUT_NAMES: Record<StackLayout, string> = {
  own: 'a bucket each (default)',
  shared: 'one shared bucket',
  nested: 'a nested stack each (resources of the parent stack)',
  keyless: 'a bucket each, keyless (CockroachDB Cloud identity role)',
};

/** The issue's goals (issue 6). */
const GOALS = { bundleBytes: 250_000, coldLoadMs: 150, runToFloor: 1.5, extraRoundTrips: 4, synthToEmpty: 1.5, clustersPerStack: 40 } as const;

/** The phases of the example app's synth worth showing (aws-cdk-lib writes them to performance-counters.json). */
const SYNTH_PHASES = ['phase:Load', 'phase:Construction', 'phase:Synthesis', 'validateTemplates', 'CloudFormationValidate.validate'];

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function partsLine(figures: RunFigures): string {
  return figures.parts.map((p) => `${p.part} ${ms(p.ms)}`).join(', ');
}

async function main(): Promise<void> {
  const started = nowMs();
  const machine = describeMachine();
  const outdirs: string[] = [];
  const synth = async (app: string | undefined): Promise<SynthRun> => {
    const run = await cdkSynth(app);
    outdirs.push(run.outdir);
    return run;
  };
  try {
    progress(`cdk synth: the example, the empty app and the example type-checked, ${RUNS.synth} times each, in turn`);
    const example: SynthRun[] = [];
    const empty: SynthRun[] = [];
    const typeChecked: SynthRun[] = [];
    for (let i = 0; i < RUNS.synth; i += 1) {
      example.push(await synth(APPS.example));
      empty.push(await synth(APPS.empty));
      typeChecked.push(await synth(APPS.exampleTypeChecked));
    }
    const template = exampleTemplate(example[0].outdir);
    const bundle = lambdaBundle(example[0].outdir);

    progress(`bundle: module load in ${RUNS.coldLoad} fresh processes`);
    const load = await measureColdLoad(bundle.file, RUNS.coldLoad);

    progress(`scaling: ${CLUSTER_COUNTS.join(', ')} clusters, ${LAYOUTS.length} layouts, ${RUNS.scaling} synths each`);
    const scaling = await measureScaling(CLUSTER_COUNTS, RUNS.scaling);

    progress(`Lambda: ${RUNS.lambda} cold and ${RUNS.lambda} warm incremental runs against the double, and the floor`);
    const lambda = await measureLambdaRuns(RUNS.lambda);

    progress(`storage read: the chain read of SHOW BACKUP FROM LATEST on chains of ${CHAIN_LENGTHS.join(', ')} incrementals, ${RUNS.storageRead} reads each`);
    const storageReads = await measureStorageRead(CHAIN_LENGTHS, RUNS.storageRead);
    progress(`chain read: ${CHAIN_READ.tables.join(' and ')} tables, ${CHAIN_READ.layers} layers, before and after issue 21`);
    const chainReads = await measureChainRead(CHAIN_READ.tables, CHAIN_READ.layers, RUNS.chainRead);

    progress(`detection latency: ${RUNS.detection} simulated 5-hour full backups failing, per schedule, with and without following`);
    const detection = await measureDetectionLatency(RUNS.detection);

    const exampleMs = median(example.map((r) => r.ms));
    const emptyMs = median(empty.map((r) => r.ms));
    const typeCheckedMs = median(typeChecked.map((r) => r.ms));
    // Ratios of the runs made one after the other (same machine load), then their median.
    const exampleToEmpty = median(example.map((r, i) => r.ms / empty[i].ms));
    const typeCheckSaving = median(example.map((r, i) => typeChecked[i].ms - r.ms));
    const phases = medianCounters(example, SYNTH_PHASES);
    const emptyPhases = medianCounters(empty, SYNTH_PHASES);
    // validateTemplates covers the validation step: aws-cdk-lib's built-in CloudFormation
    // validation (CloudFormationValidate.validate, plus loading its machinery, which the
    // empty app pays as well) and the plugins the app registers, here cdk-nag's
    // AwsSolutions pack (bin/app.ts). What the example spends there beyond the empty app,
    // less the built-in validation's own difference, is cdk-nag's.
    const pluginShare = (counted: { phases: Record<string, number> }): number | undefined =>
      counted.phases.validateTemplates === undefined ? undefined : counted.phases.validateTemplates - (counted.phases['CloudFormationValidate.validate'] ?? 0);
    const exampleShare = pluginShare(phases);
    const emptyShare = pluginShare(emptyPhases);
    const nagMs = exampleShare === undefined || emptyShare === undefined ? undefined : exampleShare - emptyShare;
    const floor = lambda.floor;
    const own = scaling.growth.find((g) => g.layout === 'own')!;

    const rows: string[][] = [
      ['Lambda bundle (index.js as the construct stages it)', bytes(bundle.bytes), `< 250 KB`, verdict(bundle.bytes < GOALS.bundleBytes)],
      [`Cold module load of the bundle (median of ${RUNS.coldLoad} fresh processes)`, `${ms(load.bundleMs)} (the Secrets Manager client alone: ${ms(load.sdkMs)})`, `< ${GOALS.coldLoadMs} ms`, verdict(load.bundleMs < GOALS.coldLoadMs)],
      [`Floor: runbook's BACKUP statement with pg (median of ${floor.runs})`, `${ms(floor.wallMs)}, ${floor.sqlRoundTrips} SQL round trip`, '', ''],
      [`Warm incremental run, wall time (median of ${lambda.runs})`, `${ms(lambda.warm.wallMs)} = ${ratio(lambda.warm.wallMs / floor.wallMs)} floor`, `≤ ${GOALS.runToFloor}× floor`, verdict(lambda.warm.wallMs <= GOALS.runToFloor * floor.wallMs)],
      ['Warm incremental run, up to the job id', `${ms(lambda.warm.jobIdMs)} = ${ratio(lambda.warm.jobIdMs / floor.wallMs)} floor`, '', ''],
      ['Warm incremental run, SQL round trips', `${lambda.warm.sqlRoundTrips} (at most ${lambda.warm.maxSqlRoundTrips}) = floor + ${lambda.warm.sqlRoundTrips - floor.sqlRoundTrips}`, `≤ floor + ${GOALS.extraRoundTrips}`, verdict(lambda.warm.maxSqlRoundTrips - floor.sqlRoundTrips <= GOALS.extraRoundTrips)],
      ['Warm incremental run, Secrets Manager calls', String(lambda.warm.secretsManagerCalls), '', ''],
      ...storageReads.map((r) => [
        `Storage read (the chain read, \`[SHOW BACKUP FROM LATEST IN ...]\`), chain of ${r.incrementals} incrementals (median of ${RUNS.storageRead})`,
        `${ms(r.ms)}; ${r.sqlRoundTrips} SQL round trip, ${r.s3Requests} S3 requests by the cluster`,
        '',
        '',
      ]),
      ...chainReads.map((r) => [
        `Chain read per run, ${r.tables.toLocaleString('en-US')} tables × ${r.layers} layers: rows and bytes received (median time of ${RUNS.chainRead})`,
        `before (\`SHOW BACKUP FROM LATEST IN\`) ${r.before.rows.toLocaleString('en-US')} rows, ${bytes(r.before.bytes)}, ${ms(r.before.ms)}; after (\`SELECT ... FROM [SHOW BACKUP ...] WHERE object_type = 'database'\`) ${r.after.rows.toLocaleString('en-US')} rows, ${bytes(r.after.bytes)}, ${ms(r.after.ms)}`,
        'independent of tables',
        verdict(chainReads.every((c) => c.after.rows === chainReads[0].after.rows && c.after.bytes === chainReads[0].after.bytes)),
      ]),
      ...latencyRows(detection),
      [`Cold incremental run, wall time (median of ${lambda.runs})`, `${ms(lambda.cold.wallMs)} = ${ratio(lambda.cold.wallMs / floor.wallMs)} floor`, '', ''],
      ['Cold incremental run, up to the job id', `${ms(lambda.cold.jobIdMs)} = ${ratio(lambda.cold.jobIdMs / floor.wallMs)} floor`, '', ''],
      ['Cold incremental run, SQL round trips / Secrets Manager calls', `${lambda.cold.sqlRoundTrips} / ${lambda.cold.secretsManagerCalls}`, '', ''],
      [`\`cdk synth\` of the example app (median of ${RUNS.synth})`, `${ms(exampleMs)}; template ${bytes(template.bytes)}, ${template.resources} resources`, '', ''],
      [`\`cdk synth\` of an empty app, one empty stack (median of ${RUNS.synth})`, `${ms(emptyMs)}; example = ${ratio(exampleToEmpty)} empty`, `example ≤ ${GOALS.synthToEmpty}× empty`, verdict(exampleToEmpty <= GOALS.synthToEmpty)],
      [`\`cdk synth\` of the example, type-checking app command (median of ${RUNS.synth})`, `${ms(typeCheckedMs)}; \`--transpile-only\` saves ${ms(typeCheckSaving)}`, '', ''],
      ['`cdk synth` of the example: time in cdk-nag (from the CDK\'s phase counters, see notes)', nagMs === undefined ? 'not recorded' : `${ms(nagMs)}; without it the example would be about ${ratio((exampleMs - nagMs) / emptyMs)} empty`, '', ''],
      ...scaling.rows.map((r) => [
        `Stack with ${r.clusters} cluster${r.clusters === 1 ? '' : 's'}, ${LAYOUT_NAMES[r.layout]}`,
        `${r.resources} resource${r.resources === 1 ? '' : 's'}${r.resources > STACK_RESOURCE_LIMIT ? ` (over the limit of ${STACK_RESOURCE_LIMIT})` : ''}; synth ${ms(r.synthMs)}`,
        '',
        '',
      ]),
      ...scaling.growth.map((g) => [
        `Clusters per stack, ${LAYOUT_NAMES[g.layout]}`,
        `${g.fit} (${g.perCluster} resource${g.perCluster === 1 ? '' : 's'} and ${ms(g.synthMsPerCluster)} of synth per cluster, ${g.fixed} fixed)`,
        `≥ ${GOALS.clustersPerStack}`,
        verdict(g.fit >= GOALS.clustersPerStack),
      ]),
    ];

    const phaseText = (counted: { runs: number; phases: Record<string, number> }): string =>
      counted.runs === 0
        ? 'not recorded'
        : `${Object.entries(counted.phases).map(([name, value]) => `${name} ${ms(value)}`).join(', ')} (median of the ${counted.runs} runs that wrote the file)`;
    const notes = [
      `- **Machine**: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.os}; 1-minute load average ${machine.loadAverage} at the start (other work on the machine inflates every figure, the ratios less so).`,
      `- **Bundle**: the asset directory of the example's \`cdk synth\` (esbuild, minified, \`@aws-sdk/*\` external as the construct bundles it). Cold load is \`require\` inside fresh \`node\` processes, the SDK resolved from node_modules as the Lambda runtime provides it; the second figure loads only \`@aws-sdk/client-secrets-manager\`.`,
      `- **Lambda runs**: the real handler, in this process, against the CockroachDB wire-protocol double (TLS with certificate verification, SCRAM-SHA-256; every backup job runs ${JOB_DURATION_MS} ms, the floor's too), S3 (s3rver behind a SigV4-verifying proxy) and a local Secrets Manager reached by the real SDK client through AWS_ENDPOINT_URL_SECRETS_MANAGER. Warm: secrets cached from an earlier invocation. Cold: secrets never fetched in this environment (new ARNs: a new SDK client and two GetSecretValue calls), modules already loaded (their cost is the cold-load row). The first invocation in the process, module caches and the SDK's lazy loading cold too, took ${ms(lambda.firstInProcessMs)} (one sample).`,
      '- **Floor**: a bare script that connects with `pg` (same TLS verification) and sends the runbook\'s `BACKUP INTO LATEST IN \'<uri>\' AS OF SYSTEM TIME \'-10s\' WITH DETACHED, revision_history`, then disconnects; it does not read secrets, look at the job table or verify the job. It backs up a collection of its own in the same double (after the runbook\'s full backup), so that its jobs do not lengthen the job list our runs read. Our run does all three: "up to the job id" is the comparable part (call to the BACKUP statement\'s answer, timed by wrapping pg\'s `Client.query` in this process, no hook in production code), the wall time includes verification. Runs and floor alternate so both see the same load.',
      `- **Where a warm run's time goes** (medians): ${partsLine(lambda.warm)}.`,
      `- **Where a cold run's time goes** (medians): ${partsLine(lambda.cold)}.`,
      '- **Verification**: the run waits for its job with `SHOW JOB WHEN COMPLETE`, which the double answers as CockroachDB does: it checks the job at once and then every second (pkg/sql/delegate/show_jobs.go), so a job of a few hundred milliseconds is verified after about a second. Real backups run seconds to hours; there this costs one round trip per statement timeout and answers within a second of the end, where polling with a 5 s cap would answer within 5 s.',
      '- **Storage read**: the Lambda\'s observation of the collection (`readStoredChain`, lambda/backup/observe/stored-chain.ts) from its own session, on one chain grown by the bare statements (1 ms jobs) to each length; the S3 requests are counted by a pass-through proxy between the double\'s nodes and the S3 server. One SQL round trip whatever the length; the double reads the LATEST pointer, lists the incrementals and reads one manifest per layer, so time and S3 requests grow with the chain. CockroachDB reads at least each layer\'s manifest too (and computes sizes unless `WITH SKIP SIZE`, a hidden option, unconfirmed before 23.2, which the Lambda does not use), so the growth is real; its absolute figures depend on S3\'s latency from the nodes.',
      `- **Chain read**: what the Lambda receives from the chain read on every run (bench/chain-read.ts): a chain of ${CHAIN_READ.layers} layers of a cluster with one database of N tables (plus system and postgres), its manifests written straight into the bucket in the double's layout (the read reads only manifests), the rows and the bytes of their DataRow messages as the double sent them; before is the read the Lambda sent until issue 21, \`SHOW BACKUP FROM LATEST IN\` (one row per object per layer), after is \`readStoredChain\` (one row per database per layer).`,
      '- The double sets TCP_NODELAY on its sockets, as CockroachDB (Go) does on every connection, so a multi-message response does not wait for a delayed ACK (about 40 ms per statement otherwise).',
      `- **Synth**: \`npx cdk synth --quiet -o <tmpdir>\` from the project root, wall time of the whole CLI; the three apps run in turn, and the ratio and the saving are medians over the runs made one after the other. The example's app command is cdk.json's (\`npx ts-node --transpile-only --require ./scripts/bundle-before-synth.ts bin/app.ts\`, which builds the Lambda's bundle only when it is missing or stale), the empty app's is bench/fixtures/empty-app.ts with the same runner, the type-checking variant \`npx ts-node --prefer-ts-exts bin/app.ts\` (\`cdk init\`'s default). The phases aws-cdk-lib records in performance-counters.json (written for every synth with \`-c @aws-cdk/core.slowSynthThreshold=0\`): example ${phaseText(phases)}; empty app ${phaseText(emptyPhases)}. Even the empty app spends most of its validateTemplates outside any plugin: aws-cdk-lib's built-in template validation, on by default in this version, which \`CDK_VALIDATION=false\` turns off (core/lib/private/synthesis-validation.js, defaultValidationEnabled); it is in both figures.`,
      `- **Clusters per stack**: one stack of N \`CockroachBackup\` instances with default props, synthesized in one process after an unmeasured warm-up (module loading), the asset cache emptied before each synth so that the Lambda's prebuilt bundle is staged as in a fresh \`cdk synth\` (the instances share one asset). Per cluster, a bucket each: ${Object.entries(own.typesPerCluster).map(([t, n]) => `${n} ${t.replace('AWS::', '')}`).join(', ')}. CloudFormation allows ${STACK_RESOURCE_LIMIT} resources per stack; the 50-cluster stacks were synthesized with that check off to count them. In the nested layout the parent holds one AWS::CloudFormation::Stack per cluster and each nested stack the ${own.perCluster} resources of one cluster (nested stacks count against the account's CloudFormation stack quota, 2,000 per region by default). Synth time per cluster is the least-squares slope over all synths of a layout; staging happens once per synth whatever the count, since the instances share one asset.`,
      `- Total bench time: ${ms(nowMs() - started)}.`,
    ];

    const report = [
      '# Benchmarks',
      '',
      `\`npm run bench\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}. Each figure is the median of the runs named.`,
      '',
      markdownTable(['Figure', 'Value', 'Goal', 'Result'], rows),
      '',
      '## Notes',
      '',
      ...notes,
      '',
    ].join('\n');
    process.stdout.write(report);
    writeFileSync(join(PROJECT_ROOT, 'bench', 'results.md'), report);
    progress('written to bench/results.md');
  } finally {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
