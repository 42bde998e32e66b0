import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import * as cdk from 'aws-cdk-lib';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { findingsOf, pluginReportsOf } from '../lib/policy/policy-findings';
import { Example, PACKAGE_NAME } from './compile-examples';
import { PROJECT_ROOT } from './props';

/** What synthesizing one example under both policy packs found. */
export interface ExampleChecks {
  /** How many apps the example created, each synthesized. */
  readonly apps: number;
  /** How many stacks the example created (0: it only declares, e.g. a class). */
  readonly stacks: number;
  /** The rules reported and not acknowledged, e.g. `AwsSolutions-S1`, `CT.S3.PR.9`, sorted, once each. */
  readonly rules: string[];
}

/**
 * Runs a README example as a user's app would, with both policy packs added to every app
 * it creates (cdk-nag AwsSolutions and the Control Tower rules), and returns what they
 * report. `App` and `Stack` of `aws-cdk-lib` are replaced for the example by subclasses
 * that record each app and give a stack created without a scope (`new Stack()`) an app
 * of its own; the package name resolves to lib/index.ts, the public API.
 */
export function checkExample(example: Example): ExampleChecks {
  const apps: cdk.App[] = [];
  const outdirs: string[] = [];
  class ExampleApp extends cdk.App {
    constructor(props: cdk.AppProps = {}) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-example-'));
      outdirs.push(outdir);
      // Bundling skipped: the policy packs read templates, not the Lambda's code.
      super({ ...props, outdir, context: { ...props.context, 'aws:cdk:bundling-stacks': [] } });
      cdk.Validations.of(this).addPlugins(new AwsSolutionsChecks(this), new CfnGuardValidator());
      apps.push(this);
    }
  }
  class ExampleStack extends cdk.Stack {
    constructor(scope?: Construct, id?: string, props?: cdk.StackProps) {
      super(scope ?? new ExampleApp(), id, props);
    }
  }
  const cdkForExamples = { ...cdk, App: ExampleApp, Stack: ExampleStack };
  const exampleRequire = (name: string): unknown => {
    if (name === PACKAGE_NAME) return require(path.join(PROJECT_ROOT, 'lib'));
    if (name === 'aws-cdk-lib') return cdkForExamples;
    return require(name);
  };
  const js = ts.transpileModule(example.code, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  try {
    const module = { exports: {} };
    new Function('require', 'module', 'exports', js)(exampleRequire, module, module.exports);
    const stacks = apps.flatMap((app) => app.node.findAll().filter((c): c is cdk.Stack => cdk.Stack.isStack(c)));
    const rules = apps.flatMap((app) => findingsOf(pluginReportsOf(app)).map((f) => f.rule));
    return { apps: apps.length, stacks: stacks.length, rules: [...new Set(rules)].sort() };
  } finally {
    for (const outdir of outdirs) fs.rmSync(outdir, { recursive: true, force: true });
  }
}
