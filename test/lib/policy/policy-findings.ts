import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App } from 'aws-cdk-lib';
import { cloudFormationValidateRuleId, controlTowerRuleId } from '../../../lib/nag';

/** One resource a policy pack reports for one rule. */
export interface Finding {
  readonly plugin: string;
  /** The id an acknowledgement names: cdk-nag's rule id, or `<plugin>::<rule>` for other plugins. */
  readonly id: string;
  /** The rule as people name it: `AwsSolutions-S1`, or the control `CT.S3.PR.9`. */
  readonly rule: string;
  readonly path: string;
}

interface ReportedConstruct {
  readonly constructPath?: string;
  readonly cloudFormationResource?: { readonly logicalId?: string };
}
interface ReportedViolation {
  readonly ruleName: string;
  readonly description: string;
  readonly violatingConstructs: ReportedConstruct[];
}
interface PluginReport {
  readonly pluginName: string;
  readonly conclusion: string;
  readonly violations: ReportedViolation[];
  readonly suppressedViolations?: ReportedViolation[];
}

const CONTROL_TOWER_PLUGIN = new CfnGuardValidator().name;

/** CDK's own plugin, which runs in every synthesis. */
const CLOUDFORMATION_VALIDATE_PLUGIN = 'CloudFormation Validate';

/**
 * cdk-nag's packs are acknowledged by their rule ids, the Control Tower rules and CDK's
 * CloudFormation Validate by `<plugin name>::<rule>`.
 */
function acknowledgementId(pluginName: string, ruleName: string): string {
  if (pluginName === CONTROL_TOWER_PLUGIN) return controlTowerRuleId(ruleName);
  return pluginName === CLOUDFORMATION_VALIDATE_PLUGIN ? cloudFormationValidateRuleId(ruleName) : ruleName;
}

/**
 * Synthesizes an app that has policy-validation plugins and returns the plugin reports CDK
 * wrote into its output directory (validation-report.json). A synth that fails only
 * because of findings is expected here; any other error is rethrown.
 */
export function pluginReportsOf(app: App): PluginReport[] {
  try {
    app.synth();
  } catch (error) {
    if (!/Validation ?failed/i.test(String(error))) throw error;
  }
  return JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')).pluginReports;
}

/** `pluginReportsOf` for an app built into a new temporary directory, removed afterwards. */
export function synthPluginReports(createApp: (outdir: string) => App): PluginReport[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cockroach-backup-findings-'));
  try {
    return pluginReportsOf(createApp(outdir));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every unsuppressed finding of every plugin, one per rule and resource. */
export function findingsOf(reports: PluginReport[]): Finding[] {
  return reports.flatMap((report) =>
    report.violations.flatMap((violation) =>
      violation.violatingConstructs.map((c) => ({
        plugin: report.pluginName,
        id: acknowledgementId(report.pluginName, violation.ruleName),
        rule: /^\[(CT\.[A-Z0-9.]+)\]/.exec(violation.description)?.[1] ?? violation.ruleName.replace(/\[.*\]$/, ''),
        path: c.constructPath ?? `<no construct> ${c.cloudFormationResource?.logicalId}`,
      })),
    ),
  );
}
