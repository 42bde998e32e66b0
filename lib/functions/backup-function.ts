import * as fs from 'fs';
import * as path from 'path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BackupEnvironment } from '../../contract/environment';
import { grantSecretRead, ReadableSecret } from '../credentials/secrets-key';
import { clampDuration } from './backup-schedules';
import { BACKUP_LAMBDA_ASSET_DIR, BACKUP_LAMBDA_HANDLER } from './lambda-asset';

/**
 * A function bundled with the package (`what`, e.g. "backup Lambda", in `assetDir`), or an
 * error that says how to build it (only a source checkout lacks it).
 */
export function bundledLambdaCode(assetDir: string, what: string): lambda.Code {
  if (!fs.existsSync(path.join(assetDir, 'index.js'))) {
    throw new Error(
      `CockroachBackup: the ${what}'s bundle is missing from ${assetDir}; ` +
        'the published package ships it, and in a clone of the repository `npm run build` builds it',
    );
  }
  return lambda.Code.fromAsset(assetDir);
}

/**
 * What Lambda needs, through a function's role, to create and remove the function's network
 * interfaces in a VPC (Lambda Developer Guide, "Giving Lambda functions access to resources in
 * an Amazon VPC", required execution-role permissions): the EC2 actions of the AWS managed
 * AWSLambdaVPCAccessExecutionRole without its log writes on every log group, which would let
 * the function forge the metrics (from logs) that our alarms read. The function already writes
 * to its own log group only. In the role's default policy, which the function depends on, so the
 * permissions exist before Lambda checks them at creation.
 */
export const NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

export function allowVpcAccess(role: iam.Role): void {
  role.addToPolicy(new iam.PolicyStatement({ sid: 'ManageNetworkInterfacesInVpc', actions: [...NETWORK_INTERFACE_ACTIONS], resources: ['*'] }));
  Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Lambda creates, describes and deletes the network interfaces of a function in a VPC with its role; their ids and ' +
      "the subnets' ARNs are not known before deploy, and the Describe actions support no resource. Only these EC2 " +
      'actions are on *, instead of the AWS managed AWSLambdaVPCAccessExecutionRole, which also writes to every log group.',
  });
}

/** Where a function of the construct logs and runs: the same props place both functions. */
export interface FunctionPlacement {
  /** A Node.js runtime the bundles run on (lib/functions/function-runtime.ts checked it). */
  readonly runtime: lambda.Runtime;
  readonly logRetention: logs.RetentionDays;
  /** Customer managed key of the log group; its key policy must let CloudWatch Logs use it. */
  readonly logEncryptionKey?: kms.IKey;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

export interface BackupFunctionSettings extends FunctionPlacement {
  readonly environment: BackupEnvironment;
  readonly secrets: readonly ReadableSecret[];
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly runInterval: Duration;
}

export interface BackupFunctionParts {
  readonly fn: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
}

/**
 * The backup Lambda ('Function'), its log group ('LogGroup') and role ('FunctionRole').
 *
 * - Its code is the bundle built with the package (lib/functions/lambda-asset.ts): esbuild, minified,
 *   without source maps, `@aws-sdk/*` left to the Node.js runtime (24 unless the `runtime`
 *   prop says otherwise), which provides SDK v3. Synthesis only hashes and copies it: the asset is the same bytes in this repo and
 *   in every app that installs the package, so `cdk diff` shows only real changes.
 * - Its own role instead of the default one: the default attaches the managed
 *   AWSLambdaBasicExecutionRole (logs on every log group); this one may write only to
 *   its log group and read only its secrets (one in keyless modes), plus the parameters that
 *   exist with `retention` (RetentionPromise, read) and `restoreDrill` (DrillState, read and
 *   write). In a VPC it also gets the EC2 actions
 *   Lambda needs for its network interfaces (allowVpcAccess), not the managed VPC policy.
 * - Reserved concurrency 1: two runs never overlap (a full and an incremental firing
 *   together, or a run longer than the interval); a running backup job of the collection
 *   in CockroachDB's job table is the second guard. A throttled asynchronous invocation waits in Lambda's queue; it is
 *   dropped when older than one run interval (at least 1 minute, at most 6 hours),
 *   because the next scheduled run does the same work.
 * - Log format left at Lambda's default (text): the Lambda writes its EMF metric documents
 *   with console.log, and in the JSON log format the Node.js runtime would nest each
 *   line under a "message" field, where CloudWatch no longer reads it as EMF (Lambda
 *   developer guide, "Using embedded metric format (EMF) ... with structured JSON logs").
 * - No automatic retry of a failed run: a failure is reported (metric, alarm) and the
 *   next scheduled run is the retry, with storage and the job table telling it what happened.
 */
export function backupFunction(scope: Construct, settings: BackupFunctionSettings): BackupFunctionParts {
  const parts = packagedFunction(scope, {
    ids: { logGroup: 'LogGroup', role: 'FunctionRole', fn: 'Function' },
    roleDescription: `Role of the backup Lambda of ${scope.node.path}: its log group and its ${settings.secrets.length === 1 ? 'connection secret' : 'two secrets'}`,
    description: `Submits and verifies the CockroachDB backups of ${scope.node.path}`,
    assetDir: BACKUP_LAMBDA_ASSET_DIR,
    handler: BACKUP_LAMBDA_HANDLER,
    what: 'backup Lambda',
    maxEventAge: clampDuration(settings.runInterval, Duration.minutes(1), Duration.hours(6)),
    ...settings,
  });
  for (const secret of settings.secrets) grantSecretRead(parts.role, secret);
  return parts;
}

/** One of the construct's functions: its construct IDs, texts, code and settings. */
export interface PackagedFunctionSettings extends FunctionPlacement {
  readonly ids: { readonly logGroup: string; readonly role: string; readonly fn: string };
  readonly roleDescription: string;
  readonly description: string;
  /** Where the package's bundle of the function is, and what the function is called in errors. */
  readonly assetDir: string;
  readonly handler: string;
  readonly what: string;
  /** The role's own statements, besides writing its log group. */
  readonly statements?: readonly iam.PolicyStatement[];
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  /** How long a throttled asynchronous invocation may wait; undefined: Lambda's default. */
  readonly maxEventAge?: Duration;
}

/**
 * A function of the construct (the backup Lambda, the rotation function) as the backup
 * Lambda's description above says: the package's bundle on the chosen Node.js runtime (arm64), its own log
 * group and a role that may write only to it (plus `statements`, and VPC access in a VPC),
 * reserved concurrency 1, no automatic retry.
 */
export function packagedFunction(scope: Construct, settings: PackagedFunctionSettings): BackupFunctionParts {
  const logGroup = new logs.LogGroup(scope, settings.ids.logGroup, { retention: settings.logRetention, encryptionKey: settings.logEncryptionKey });
  const role = new iam.Role(scope, settings.ids.role, {
    description: settings.roleDescription,
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
  if (settings.vpc !== undefined) allowVpcAccess(role);
  for (const statement of settings.statements ?? []) role.addToPolicy(statement);
  const fn = new lambda.Function(scope, settings.ids.fn, {
    description: settings.description,
    code: bundledLambdaCode(settings.assetDir, settings.what),
    handler: settings.handler,
    runtime: settings.runtime,
    architecture: lambda.Architecture.ARM_64,
    memorySize: settings.memorySize,
    timeout: settings.timeout,
    role,
    logGroup,
    reservedConcurrentExecutions: 1,
    retryAttempts: 0,
    maxEventAge: settings.maxEventAge,
    environment: settings.environment,
    vpc: settings.vpc,
    vpcSubnets: settings.vpcSubnets,
    securityGroups: settings.securityGroups,
  });
  logGroup.grantWrite(role);
  return { fn, logGroup, role };
}
