import { App, CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { ENV } from '../../../contract/environment';
import { CockroachBackup } from '../../../lib';
import { ROTATION_SECRET_ACTIONS } from '../../../lib/credentials/access-key-rotation';
import { findingsOf, synthPluginReports } from '../policy/policy-findings';
import { constructionError, logicalId, roleStatements, synthBackup, Synthesized } from '../fixtures';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

const rotated = synthBackup({ connectionPasswordRotation: {} });
const resources = (s: Synthesized = rotated): Resources => s.template.toJSON().Resources;
const idOf = (construct: IConstruct, s: Synthesized = rotated): string =>
  construct instanceof CfnElement ? s.stack.getLogicalId(construct) : logicalId(s.stack, construct as { node: { defaultChild?: unknown } });
const child = (id: string, s: Synthesized = rotated): IConstruct => s.backup.node.findChild(id);
const variables = (fnId: string, s: Synthesized = rotated): Record<string, unknown> =>
  (resources(s)[fnId].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

describe('connectionPasswordRotation', () => {
  test('adds nothing by default: no function, no schedule on the connection secret, no variable', () => {
    const plain = synthBackup();
    expect(plain.backup.passwordRotationFunction).toBeUndefined();
    expect(plain.backup.passwordRotationFunctionErrorsAlarm).toBeUndefined();
    expect(Object.keys(resources(plain)).filter((id) => id.includes('PasswordRotation'))).toEqual([]);
    expect(Object.values(plain.template.findResources('AWS::SecretsManager::RotationSchedule')).map((r) => r.Properties.SecretId)).toEqual([{ Ref: idOf(plain.backup.accessKeySecret!, plain) }]);
    expect(variables(idOf(plain.backup.backupFunction, plain), plain)[ENV.passwordRotation]).toBeUndefined();
  });

  test("the function is the backup bundle's second export, on the same asset, runtime and reserved concurrency 1, with the backup environment and PASSWORD_ROTATION", () => {
    const fnId = idOf(child('PasswordRotationFunction'));
    const backupId = idOf(rotated.backup.backupFunction);
    const fn = resources()[fnId].Properties;
    expect(fn).toMatchObject({ Handler: 'index.passwordRotationHandler', Runtime: 'nodejs24.x', ReservedConcurrentExecutions: 1, Architectures: ['arm64'] });
    expect(fn?.Code).toEqual(resources()[backupId].Properties?.Code);
    expect(fn?.LoggingConfig).toEqual({ LogGroup: { Ref: idOf(child('PasswordRotationLogGroup')) } });
    expect(variables(fnId)).toEqual(variables(backupId));
    expect(variables(backupId)[ENV.passwordRotation]).toBe('true');
    expect(variables(idOf(rotated.backup.followFunction))[ENV.passwordRotation]).toBe('true');
    expect(rotated.backup.passwordRotationFunction).toBe(child('PasswordRotationFunction'));
  });

  test('its role may only rotate the connection secret: the four Secrets Manager actions on that secret, and its log group', () => {
    const roleId = idOf(child('PasswordRotationFunctionRole'));
    expect(roleStatements(rotated.template, roleId)).toEqual([
      { Sid: 'RotateConnectionSecret', Effect: 'Allow', Action: [...ROTATION_SECRET_ACTIONS], Resource: { Ref: idOf(rotated.backup.connectionSecret) } },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [idOf(child('PasswordRotationLogGroup')), 'Arn'] } },
    ]);
    expect(resources()[roleId].Properties?.ManagedPolicyArns).toBeUndefined();
  });

  test('Secrets Manager may invoke it for the connection secret only; the schedule rotates every 30 days, not at deploy', () => {
    const permissionId = idOf(child('PasswordRotationInvokedBySecretsManager'));
    expect(resources()[permissionId].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [idOf(child('PasswordRotationFunction')), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceArn: { Ref: idOf(rotated.backup.connectionSecret) },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    const schedule = resources()[idOf(child('PasswordRotationSchedule'))];
    expect(schedule.Properties).toEqual({
      SecretId: { Ref: idOf(rotated.backup.connectionSecret) },
      RotationLambdaARN: { 'Fn::GetAtt': [idOf(child('PasswordRotationFunction')), 'Arn'] },
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: false,
    });
    expect(schedule.DependsOn).toContain(permissionId);
  });

  test('an alarm on the function errors notifies the alarm topic', () => {
    const topic = { Ref: idOf(rotated.backup.alarmTopic) };
    expect(resources()[idOf(rotated.backup.passwordRotationFunctionErrorsAlarm!)].Properties).toMatchObject({
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: idOf(child('PasswordRotationFunction')) } }],
      Statistic: 'Sum',
      AlarmActions: [topic],
      OKActions: [topic],
    });
  });

  test('rotates an imported connection secret too, by its ARN', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Imported');
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crdb-connection-AbCdEf';
    const backup = new CockroachBackup(stack, 'Backup', {
      collection: 'prod/cluster-1',
      connectionSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Connection', arn),
      connectionPasswordRotation: { automaticallyAfter: Duration.days(7) },
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: arn, RotationRules: { AutomaticallyAfterDays: 7 } });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Sid: 'RotateConnectionSecret', Effect: 'Allow', Action: [...ROTATION_SECRET_ACTIONS], Resource: arn }, {}] },
    });
    expect(backup.passwordRotationFunction).toBeDefined();
  });

  test('with secretsEncryptionKey it may decrypt and encrypt the connection secret under the key, through Secrets Manager for that secret only, and the key policy admits it', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Keyed');
    const key = new kms.Key(stack, 'SecretsKey');
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', secretsEncryptionKey: key, connectionPasswordRotation: {} });
    const template = Template.fromStack(stack);
    const roleId = stack.getLogicalId(backup.node.findChild('PasswordRotationFunctionRole').node.defaultChild as CfnElement);
    const keyId = stack.getLogicalId(key.node.defaultChild as CfnElement);
    const secretId = stack.getLogicalId(backup.connectionSecret.node.defaultChild as CfnElement);
    expect(roleStatements(template, roleId).filter((st) => JSON.stringify(st).includes('kms:'))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }, 'kms:EncryptionContext:SecretARN': { Ref: secretId } } },
      },
    ]);
    const keyStatements = (template.toJSON().Resources[keyId].Properties.KeyPolicy as { Statement: { Sid?: string; Principal?: { AWS?: unknown } }[] }).Statement;
    const admits = (sid: string): boolean => keyStatements.some((st) => st.Sid?.startsWith(sid) === true && JSON.stringify(st.Principal).includes(roleId));
    expect([admits('AllowSecretReadersThroughSecretsManager'), admits('AllowSecretWritersThroughSecretsManager')]).toEqual([true, true]);
  });

  test("runs in the backup function's VPC, subnets and security groups", () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Vpc');
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const securityGroups = [new ec2.SecurityGroup(stack, 'ToCluster', { vpc })];
    const backup = new CockroachBackup(stack, 'Backup', { collection: 'c', vpc, securityGroups, connectionPasswordRotation: {} });
    const json = Template.fromStack(stack).toJSON().Resources as Resources;
    const config = (fn: IConstruct): unknown => json[stack.getLogicalId(fn.node.defaultChild as CfnElement)].Properties?.VpcConfig;
    expect(config(backup.passwordRotationFunction!)).toEqual(config(backup.backupFunction));
    expect(config(backup.backupFunction)).toBeDefined();
  });

  test.each([
    [Duration.hours(12), 'connectionPasswordRotation.automaticallyAfter is 43200 seconds (12 hours): expected a whole number of days from 1 to 365'],
    [Duration.days(400), 'connectionPasswordRotation.automaticallyAfter is 34560000 seconds (400 days): expected a whole number of days from 1 to 365'],
  ])('refuses an interval of %s, naming the prop, the value and the range', (automaticallyAfter, message) => {
    expect(constructionError({ connectionPasswordRotation: { automaticallyAfter } })).toContain(message);
  });

  test('with the prop, cdk-nag finds no SMG4 on the connection secret and nothing acknowledges it; without, SMG4 is acknowledged', () => {
    const acknowledged: string[] = [];
    const spy = jest.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (this: Validations, ...rules) {
      const scope = (this as unknown as { scope: IConstruct }).scope;
      for (const rule of rules) acknowledged.push(`${scope.node.path} ${rule.id}`);
    });
    try {
      const smg4 = (props: object): string[] =>
        findingsOf(
          synthPluginReports((outdir) => {
            const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
            Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
            new CockroachBackup(new Stack(app, 'Nag'), 'Backup', { collection: 'c', ...props });
            return app;
          }),
        )
          .filter((f) => f.id === 'AwsSolutions-SMG4')
          .map((f) => f.path);
      expect(smg4({ connectionPasswordRotation: {} })).toEqual([]);
      expect(acknowledged.filter((a) => a.endsWith('AwsSolutions-SMG4'))).toEqual([]);
      expect(smg4({})).toEqual(['Nag/Backup/ConnectionSecret/Resource']);
      expect(acknowledged.filter((a) => a.endsWith('AwsSolutions-SMG4'))).toEqual(['Nag/Backup/ConnectionSecret AwsSolutions-SMG4']);
    } finally {
      spy.mockRestore();
    }
  });
});
