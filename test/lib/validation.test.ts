import { CfnParameter, Duration, Stack, TimeZone, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { ENV, StorageMode } from '../../contract/environment';
import { CockroachBackup } from '../../lib';
import { CockroachBackupValidationError } from '../../lib/validation';
import { appWithoutBundling, constructionError } from './fixtures';

describe('collection', () => {
  test('fails if empty', () => {
    expect(constructionError({}, '')).toMatch(/TestStack\/Backup: collection is empty: expected a prefix of letters/);
  });

  test('fails with a leading slash', () => {
    expect(constructionError({}, '/prod')).toMatch(/collection is "\/prod" \(leading or trailing slash\): expected a prefix/);
  });

  test('fails with a trailing slash', () => {
    expect(constructionError({}, 'prod/')).toMatch(/collection is "prod\/" \(leading or trailing slash\)/);
  });

  test('fails with a ".." segment', () => {
    expect(constructionError({}, 'prod/../other')).toMatch(/collection is "prod\/..\/other" \(a "." or ".." segment\)/);
  });

  test('fails with a character outside the safe set (an IAM wildcard)', () => {
    expect(constructionError({}, 'prod*')).toMatch(/collection is "prod\*" \(a character outside the safe set, or an empty segment\)/);
  });

  test('fails with an empty segment', () => {
    expect(constructionError({}, 'prod//a')).toMatch(/collection is "prod\/\/a" \(a character outside the safe set, or an empty segment\)/);
  });

  test('fails if longer than 256 characters', () => {
    expect(constructionError({}, 'a'.repeat(257))).toMatch(/collection is 257 characters long: expected .* at most 256 characters/);
  });

  test('fails if a token', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const collection = new CfnParameter(stack, 'Collection').valueAsString;
    expect(() => new CockroachBackup(stack, 'Backup', { collection })).toThrow(/collection is a token: expected a literal string/);
  });

  test('accepts letters, digits, dots, underscores and dashes in slash-separated segments', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    expect(() => new CockroachBackup(stack, 'Backup', { collection: 'Prod_1/cluster-2.eu' })).not.toThrow();
  });
});

describe('bucket', () => {
  test('fails with both an existing bucket and options for a new one', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing-backups');
    expect(() => new CockroachBackup(stack, 'Backup', { collection: 'c', bucket, bucketOptions: { noncurrentVersionExpiration: Duration.days(5) } })).toThrow(
      /bucketOptions is set together with bucket \(options: noncurrentVersionExpiration\): expected either an existing bucket or options for a new one, not both/,
    );
  });

  test('fails if noncurrentVersionExpiration is not a whole number of days', () => {
    expect(constructionError({ bucketOptions: { noncurrentVersionExpiration: Duration.hours(36) } })).toMatch(
      /bucketOptions.noncurrentVersionExpiration is 1 day 12 hours: expected a whole number of days/,
    );
  });

  test('fails if noncurrentVersionExpiration is shorter than a day', () => {
    expect(constructionError({ bucketOptions: { noncurrentVersionExpiration: Duration.hours(1) } })).toMatch(
      /bucketOptions.noncurrentVersionExpiration is 3600 seconds \(1 hour\): expected a duration from 1 day to 3650 days/,
    );
  });

  test('fails with serverAccessLogsPrefix but no serverAccessLogsBucket', () => {
    expect(constructionError({ bucketOptions: { serverAccessLogsPrefix: 'logs/' } })).toMatch(
      /bucketOptions.serverAccessLogsPrefix is "logs\/": expected to be set only together with serverAccessLogsBucket/,
    );
  });
});

describe('backup options', () => {
  test('fails if asOfSystemTime is zero', () => {
    expect(constructionError({ asOfSystemTime: Duration.seconds(0) })).toMatch(/asOfSystemTime is 0 seconds \(0 seconds\): expected a positive duration from 1 second to 1 hour/);
  });

  test('fails if asOfSystemTime is not a whole number of seconds', () => {
    expect(constructionError({ asOfSystemTime: Duration.millis(1500) })).toMatch(/asOfSystemTime is 1.5 seconds .*: expected a whole number of seconds from 1 second to 1 hour/);
  });

  test('fails if asOfSystemTime is longer than an hour', () => {
    expect(constructionError({ asOfSystemTime: Duration.minutes(61) })).toMatch(/asOfSystemTime is 3660 seconds \(1 hour 1 minute\): expected a duration from 1 second to 1 hour/);
  });

  test('fails if maxIncrementals is above the 48 Cockroach Labs supports', () => {
    expect(constructionError({ maxIncrementals: 49 })).toMatch(/maxIncrementals is 49: expected a whole number from 1 to 48 \(Cockroach Labs supports at most 48/);
  });

  test('fails if maxIncrementals is zero', () => {
    expect(constructionError({ maxIncrementals: 0 })).toMatch(/maxIncrementals is 0: expected a whole number from 1 to 48/);
  });

  test('fails if maxIncrementals is not a whole number', () => {
    expect(constructionError({ maxIncrementals: 2.5 })).toMatch(/maxIncrementals is 2.5: expected a whole number from 1 to 48/);
  });

  test('fails with an unknown storage mode', () => {
    expect(constructionError({ storage: 'nfs' as StorageMode })).toMatch(/storage is "nfs": expected 'uri' or 'external-connection'/);
  });

  test('fails with an externalConnectionName in uri storage mode', () => {
    expect(constructionError({ externalConnectionName: 'backups' })).toMatch(/externalConnectionName is "backups": expected to be set only with storage 'external-connection'/);
  });

  test('fails with an externalConnectionName CockroachDB would need quoted', () => {
    expect(constructionError({ storage: 'external-connection', externalConnectionName: 'Prod-Backups' })).toMatch(
      /externalConnectionName is "Prod-Backups": expected lower-case letters, digits and underscores/,
    );
  });

  test('fails with a metricsNamespace CloudWatch refuses', () => {
    expect(constructionError({ metricsNamespace: 'has space' })).toMatch(/metricsNamespace is "has space": expected a CloudWatch namespace/);
  });

  test('fails if accessKeySerial is zero', () => {
    expect(constructionError({ accessKeySerial: 0 })).toMatch(/accessKeySerial is 0: expected a whole number from 1 to/);
  });
});

describe('Lambda settings', () => {
  test('fails if timeout is longer than 15 minutes', () => {
    expect(constructionError({ timeout: Duration.minutes(16) })).toMatch(/timeout is 960 seconds \(16 minutes\): expected a duration from 30 seconds to 15 minutes/);
  });

  test('fails if timeout is shorter than 30 seconds', () => {
    expect(constructionError({ timeout: Duration.seconds(10) })).toMatch(/timeout is 10 seconds \(10 seconds\): expected a duration from 30 seconds to 15 minutes/);
  });

  test('fails if connectTimeout is not shorter than the Lambda timeout', () => {
    expect(constructionError({ connectTimeout: Duration.minutes(5) })).toMatch(/connectTimeout is 300 seconds \(5 minutes\): expected less than the Lambda timeout \(5 minutes\)/);
  });

  test('fails if statementTimeout is zero', () => {
    expect(constructionError({ statementTimeout: Duration.seconds(0) })).toMatch(/statementTimeout is 0 seconds .*: expected a positive duration from 100 millis to 15 minutes/);
  });

  test('fails if memorySize is outside what Lambda allows', () => {
    expect(constructionError({ memorySize: 64 })).toMatch(/memorySize is 64: expected a whole number from 128 to 10240 \(MiB/);
  });

  test('fails with vpcSubnets but no vpc', () => {
    expect(constructionError({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS } })).toMatch(/vpcSubnets is set without vpc: expected vpc to be set as well/);
  });
});

describe('schedules and RPO', () => {
  test('fails if the full schedule runs more often than the incremental one', () => {
    expect(
      constructionError({
        incrementalSchedule: scheduler.ScheduleExpression.rate(Duration.hours(6)),
        fullSchedule: scheduler.ScheduleExpression.rate(Duration.hours(1)),
      }),
    ).toMatch(/fullSchedule is 'rate\(1 hour\)' \(every 1 hour\): expected a schedule no more frequent than the incremental one \(every 6 hours\)/);
  });

  test('fails if the incremental interval cannot be derived and is not stated', () => {
    expect(constructionError({ incrementalSchedule: scheduler.ScheduleExpression.expression('cron(0 8 1,15 * ? *)') })).toMatch(
      /incrementalSchedule is 'cron\(0 8 1,15 \* \? \*\)', whose interval cannot be derived: expected a rate\(\) or a simple cron\(\) expression, or the incrementalInterval prop/,
    );
  });

  test('accepts an underivable incremental schedule when incrementalInterval states it', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    new CockroachBackup(stack, 'Backup', {
      collection: 'c',
      incrementalSchedule: scheduler.ScheduleExpression.expression('cron(0 8 1,15 * ? *)'),
      fullSchedule: scheduler.ScheduleExpression.expression('cron(0 8 1 1 ? *)'),
      incrementalInterval: Duration.days(7),
      rpo: Duration.days(8),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.incrementalIntervalSeconds]: String(7 * 86400) } },
    });
  });

  test('fails if the incremental interval is longer than 7 days', () => {
    expect(constructionError({ incrementalInterval: Duration.days(8), incrementalSchedule: scheduler.ScheduleExpression.expression('cron(0 8 1 * ? *)') })).toMatch(
      /incrementalInterval is 691200 seconds \(8 days\): expected a whole number of seconds from 1 minute to 7 days/,
    );
  });

  test('fails if a given cron schedule is in another time zone than the timeZone prop', () => {
    expect(
      constructionError({
        timeZone: TimeZone.EUROPE_BERLIN,
        fullSchedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2' }),
      }),
    ).toMatch(/fullSchedule is 'cron\(0 2 \* \* \? \*\)' in time zone Etc\/UTC: expected a schedule in the timeZone prop's Europe\/Berlin/);
  });

  test('fails if rpo is not longer than the incremental interval', () => {
    expect(constructionError({ rpo: Duration.hours(1) })).toMatch(
      /rpo is 3600 seconds \(1 hour\): expected a duration longer than the incremental interval \(1 hour\)/,
    );
  });
});

describe('errors', () => {
  test('are CockroachBackupValidationError', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    expect(() => new CockroachBackup(stack, 'Backup', { collection: '' })).toThrow(CockroachBackupValidationError);
  });

  test('are not raised for tokens, which are known only at deploy time', () => {
    const stack = new Stack(appWithoutBundling(), 'TestStack');
    const maxIncrementals = new CfnParameter(stack, 'MaxIncrementals', { type: 'Number' }).valueAsNumber;
    expect(Token.isUnresolved(maxIncrementals)).toBe(true);
    new CockroachBackup(stack, 'Backup', { collection: 'c', maxIncrementals });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { [ENV.maxIncrementals]: { Ref: 'MaxIncrementals' } } },
    });
  });
});
