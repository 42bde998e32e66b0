/*
 * Runs compiled examples in a consumer's app with the policy packs the README tells users to
 * add to their app (cdk-nag AwsSolutions and the Control Tower rules of
 * @cdklabs/cdk-validator-cfnguard), and writes what each one synthesized and what the packs
 * reported as JSON. Copied into the consumer's directory by test/package/consumer-app.ts and run
 * there with its node_modules: plain CommonJS, no TypeScript.
 *
 *   node run-examples.js <results.json> <output dir> <example.js>...
 *
 * Each `new App()` of an example gets both packs (`Validations.of(app).addPlugins(...)`, the
 * README's Policy checks snippet) and an output directory of its own, and is synthesized after
 * the example ran, as `cdk synth` would. A stack created without an App (`new Stack()`) gets
 * aws-cdk-lib's own throwaway app, which is never synthesized: the example then reports no
 * stack, as `cdk synth` of a verbatim copy reports no manifest.
 */
const fs = require('fs');
const Module = require('module');
const path = require('path');
const cdk = require('aws-cdk-lib');
const lambda = require('aws-cdk-lib/aws-lambda');
const { AwsSolutionsChecks } = require('cdk-nag');
const { CfnGuardValidator } = require('@cdklabs/cdk-validator-cfnguard');

const [resultsFile, outRoot, ...examples] = process.argv.slice(2);
const exampleDir = path.resolve(path.dirname(examples[0]));
let current;

class AppWithPolicyPacks extends cdk.App {
  constructor(props = {}) {
    super({ ...props, outdir: path.join(current.outRoot, `app-${current.apps.length}`), autoSynth: false });
    cdk.Validations.of(this).addPlugins(new AwsSolutionsChecks(this), new CfnGuardValidator());
    current.apps.push(this);
  }
}

// Only the examples' own `import ... from 'aws-cdk-lib'` see the App above; the package and
// the policy packs load aws-cdk-lib unchanged.
const forExamples = new Proxy(cdk, { get: (target, key) => (key === 'App' ? AppWithPolicyPacks : target[key]) });
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  if (request === 'aws-cdk-lib' && parent && parent.filename && parent.filename.startsWith(exampleDir)) return forExamples;
  return load.call(this, request, parent, ...rest);
};

const message = (error) => String((error && error.stack) || error);
const results = examples.map((file) => {
  current = { outRoot: path.join(outRoot, path.basename(file, '.js')), apps: [] };
  let error;
  try {
    require(path.resolve(file));
  } catch (thrown) {
    error = message(thrown);
  }
  const apps = current.apps.map((app) => {
    const stacks = app.node.findAll().filter((c) => cdk.Stack.isStack(c)).map((stack) => stack.node.path);
    let synthError;
    try {
      app.synth();
    } catch (thrown) {
      // Findings fail the synth on purpose (the test reads them from the report); anything else is an error.
      if (!/Validation ?failed/i.test(String(thrown))) synthError = message(thrown);
    }
    const report = path.join(app.outdir, 'validation-report.json');
    return {
      stacks,
      synthError,
      manifest: fs.existsSync(path.join(app.outdir, 'manifest.json')),
      pluginReports: fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).pluginReports : [],
    };
  });
  return { file, error, apps };
});

// The newest Node.js runtime this aws-cdk-lib knows: cdk-nag's AwsSolutions-L1 asks for it.
const nodeRuntimes = lambda.Runtime.ALL.map((runtime) => runtime.name).filter((name) => /^nodejs\d+\.x$/.test(name));
const newestNodeRuntime = nodeRuntimes.sort((a, b) => a.localeCompare(b, undefined, { numeric: true })).pop();
fs.writeFileSync(resultsFile, JSON.stringify({ newestNodeRuntime, results }, null, 2));
