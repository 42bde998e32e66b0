import { DEFAULT_METRICS_NAMESPACE } from '../../../contract/metrics';
import { DEFAULTS, parseEvent, parseSecretArns, parseSettings } from '../../../lambda/backup/connect/config';
import { testEnvironment } from '../helpers/fixtures';
import { installSecretGuard } from '../helpers/secret-guard';

installSecretGuard();

describe('parseSettings', () => {
  test('reads the required variables and applies the documented defaults', () => {
    const settings = parseSettings(testEnvironment());
    expect(settings).toEqual({
      bucketName: 'backup-bucket',
      bucketRegion: 'eu-west-1',
      collection: 'prod_1/cluster',
      s3Endpoint: undefined,
      storageMode: 'uri',
      storageAuth: { mode: 'access-key' },
      externalConnectionName: undefined,
      asOfSystemTimeSeconds: DEFAULTS.asOfSystemTimeSeconds,
      revisionHistory: true,
      maxIncrementals: DEFAULTS.maxIncrementals,
      autoRebaseline: true,
      incrementalIntervalSeconds: DEFAULTS.incrementalIntervalSeconds,
      tlsVerify: true,
      connectTimeoutMs: DEFAULTS.connectTimeoutMs,
      statementTimeoutMs: DEFAULTS.statementTimeoutMs,
      metricsNamespace: DEFAULT_METRICS_NAMESPACE,
      fileCheckTimeoutSeconds: 0,
      drillDatabases: [],
      drillStateParameter: undefined,
      followStateParameter: undefined,
      hangAfterSeconds: 3600,
      drillIntervalSeconds: 0,
      drillOldestInWindow: false,
      retentionParameter: undefined,
      retentionSeconds: 0,
      passwordRotation: false,
    });
  });

  test('reads every optional variable when set', () => {
    const settings = parseSettings(
      testEnvironment({
        S3_ENDPOINT: 'http://127.0.0.1:9000',
        STORAGE_MODE: 'external-connection',
        EXTERNAL_CONNECTION_NAME: 'backup_prod',
        AS_OF_SYSTEM_TIME_SECONDS: '30',
        REVISION_HISTORY: 'false',
        MAX_INCREMENTALS: '12',
        AUTO_REBASELINE: 'false',
        INCREMENTAL_INTERVAL_SECONDS: '900',
        TLS_VERIFY: 'false',
        CONNECT_TIMEOUT_MS: '2000',
        STATEMENT_TIMEOUT_MS: '4000',
        METRICS_NAMESPACE: 'Team/Backups',
        FILE_CHECK_TIMEOUT_SECONDS: '120',
        DRILL_DATABASES: ' movr, bank ,movr',
        DRILL_STATE_PARAMETER: '/cockroach-backup/prod/drill-state',
        DRILL_INTERVAL_SECONDS: '604800',
        PASSWORD_ROTATION: 'true',
      }),
    );
    expect(settings).toMatchObject({
      s3Endpoint: 'http://127.0.0.1:9000',
      storageMode: 'external-connection',
      externalConnectionName: 'backup_prod',
      asOfSystemTimeSeconds: 30,
      revisionHistory: false,
      maxIncrementals: 12,
      autoRebaseline: false,
      incrementalIntervalSeconds: 900,
      tlsVerify: false,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 4000,
      metricsNamespace: 'Team/Backups',
      fileCheckTimeoutSeconds: 120,
      drillDatabases: ['movr', 'bank'],
      drillStateParameter: '/cockroach-backup/prod/drill-state',
      drillIntervalSeconds: 604800,
      passwordRotation: true,
    });
  });

  test('fails if DRILL_DATABASES names system or has an empty name', () => {
    expect(() => parseSettings(testEnvironment({ DRILL_DATABASES: 'movr,system' }))).toThrow("DRILL_DATABASES is 'movr,system': the system database cannot be drilled, leave it out");
    expect(() => parseSettings(testEnvironment({ DRILL_DATABASES: 'movr,,bank' }))).toThrow(/expected database names separated by commas, none empty/);
  });

  test('fails if the drill state parameter is not an SSM parameter name', () => {
    expect(() => parseSettings(testEnvironment({ DRILL_STATE_PARAMETER: 'drill state' }))).toThrow(/^DRILL_STATE_PARAMETER is 'drill state': expected an SSM parameter name/);
  });

  test('treats the unset and empty verification variables as off, as the construct sets them before it wires checks and drills', () => {
    const settings = parseSettings(testEnvironment({ FILE_CHECK_TIMEOUT_SECONDS: '0', DRILL_DATABASES: '', DRILL_STATE_PARAMETER: '', DRILL_INTERVAL_SECONDS: '0' }));
    expect(settings).toMatchObject({ fileCheckTimeoutSeconds: 0, drillDatabases: [], drillStateParameter: undefined });
  });

  test('fails if a required variable is missing, naming it and what it expects', () => {
    expect(() => parseSettings(testEnvironment({ BUCKET_NAME: undefined }))).toThrow(/^BUCKET_NAME is not set: expected an S3 bucket name/);
  });

  test('fails if a boolean is neither true nor false, quoting the value', () => {
    expect(() => parseSettings(testEnvironment({ AUTO_REBASELINE: 'yes' }))).toThrow("AUTO_REBASELINE is 'yes': expected 'true' or 'false'");
  });

  test('fails if a number is not a whole number in range', () => {
    expect(() => parseSettings(testEnvironment({ MAX_INCREMENTALS: '-1' }))).toThrow("MAX_INCREMENTALS is '-1': expected a whole number from 0 to 1000");
    expect(() => parseSettings(testEnvironment({ AS_OF_SYSTEM_TIME_SECONDS: '1.5' }))).toThrow(/AS_OF_SYSTEM_TIME_SECONDS is '1.5'/);
  });

  test('fails if the collection has a leading slash', () => {
    expect(() => parseSettings(testEnvironment({ COLLECTION: '/prod' }))).toThrow(/COLLECTION is '\/prod': expected a prefix .* without leading or trailing slash/);
  });

  test.each(['prod/../other', './prod', 'prod/.'])('fails if the collection %s has a . or .. segment', (collection) => {
    expect(() => parseSettings(testEnvironment({ COLLECTION: collection }))).toThrow(`COLLECTION is '${collection}'`);
  });

  test('accepts dots inside segment names', () => {
    expect(parseSettings(testEnvironment({ COLLECTION: 'prod.v2/cluster..a' })).collection).toBe('prod.v2/cluster..a');
  });

  test('fails if the storage mode is unknown', () => {
    expect(() => parseSettings(testEnvironment({ STORAGE_MODE: 'iam' }))).toThrow("STORAGE_MODE is 'iam': expected 'uri' or 'external-connection'");
  });

  test('fails if external-connection mode has no connection name', () => {
    expect(() => parseSettings(testEnvironment({ STORAGE_MODE: 'external-connection' }))).toThrow(/^EXTERNAL_CONNECTION_NAME is not set/);
  });

  test('reads the off-site copy a drill reads when both of its variables are set, and none when neither is', () => {
    expect(parseSettings(testEnvironment({ DRILL_COPY_BUCKET_NAME: 'backups-copy', DRILL_COPY_BUCKET_REGION: 'eu-central-1' })).drillCopy).toEqual({
      bucketName: 'backups-copy',
      bucketRegion: 'eu-central-1',
    });
    expect(parseSettings(testEnvironment({ DRILL_COPY_BUCKET_NAME: '', DRILL_COPY_BUCKET_REGION: '' })).drillCopy).toBeUndefined();
  });

  test('fails if only one of the off-site copy variables is set, naming the one missing', () => {
    expect(() => parseSettings(testEnvironment({ DRILL_COPY_BUCKET_NAME: 'backups-copy' }))).toThrow(
      "DRILL_COPY_BUCKET_REGION is not set while DRILL_COPY_BUCKET_NAME is 'backups-copy': expected both (drills read the off-site copy) or neither",
    );
    expect(() => parseSettings(testEnvironment({ DRILL_COPY_BUCKET_REGION: 'eu-central-1' }))).toThrow(/^DRILL_COPY_BUCKET_NAME is not set while DRILL_COPY_BUCKET_REGION is 'eu-central-1'/);
  });

  test('fails if the off-site copy is not a bucket name and a region, quoting the value', () => {
    expect(() => parseSettings(testEnvironment({ DRILL_COPY_BUCKET_NAME: 'Backups_Copy', DRILL_COPY_BUCKET_REGION: 'eu-central-1' }))).toThrow(
      /^DRILL_COPY_BUCKET_NAME is 'Backups_Copy': expected the off-site copy's S3 bucket name/,
    );
    expect(() => parseSettings(testEnvironment({ DRILL_COPY_BUCKET_NAME: 'backups-copy', DRILL_COPY_BUCKET_REGION: 'Frankfurt' }))).toThrow(
      /^DRILL_COPY_BUCKET_REGION is 'Frankfurt': expected the off-site copy's AWS region/,
    );
  });

  test('names the flag instead of the variable when given labels', () => {
    expect(() => parseSettings(testEnvironment({ BUCKET_REGION: 'Europe' }), { bucketRegion: '--region' })).toThrow(/^--region is 'Europe'/);
  });
});

describe('parseSecretArns', () => {
  test('fails if an ARN is not a Secrets Manager ARN', () => {
    expect(() => parseSecretArns({ CONNECTION_SECRET_ARN: 'my-secret', ACCESS_KEY_SECRET_ARN: 'x' })).toThrow(
      "CONNECTION_SECRET_ARN is 'my-secret': expected the ARN of the connection secret",
    );
  });

  test('reads both ARNs', () => {
    const arn = (n: string): string => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${n}-AbCdEf`;
    expect(parseSecretArns({ CONNECTION_SECRET_ARN: arn('c'), ACCESS_KEY_SECRET_ARN: arn('k') })).toEqual({
      connectionSecretArn: arn('c'),
      accessKeySecretArn: arn('k'),
    });
  });
});

describe('parseEvent', () => {
  test.each(['full', 'incremental', 'check-files', 'restore-drill'])('accepts kind %s', (kind) => {
    expect(parseEvent({ kind })).toEqual({ kind });
  });

  test('fails if the kind is unknown, saying what is expected', () => {
    expect(() => parseEvent({ kind: 'differential' })).toThrow('the event\'s kind is "differential": expected {"kind":"full"} or {"kind":"incremental"} or {"kind":"check-files"} or {"kind":"restore-drill"}');
  });

  test('fails if the event is not an object', () => {
    expect(() => parseEvent(null)).toThrow(/kind is missing/);
  });
});

describe('STORAGE_AUTH and ASSUME_ROLE_CHAIN (keyless modes)', () => {
  const CHAIN = 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab,arn:aws:iam::210987654321:role/Backup-Role;external_id=crdb-backup-x1';

  test('reads the implicit mode and its role chain, external id included', () => {
    expect(parseSettings(testEnvironment({ STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: CHAIN })).storageAuth).toEqual({
      mode: 'implicit',
      assumeRoles: [
        { arn: 'arn:aws:iam::123456789012:role/crl-dr-store-user-0123456789ab' },
        { arn: 'arn:aws:iam::210987654321:role/Backup-Role', externalId: 'crdb-backup-x1' },
      ],
    });
  });

  test('reads implicit with an empty chain as the nodes\' own identity', () => {
    expect(parseSettings(testEnvironment({ STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: '' })).storageAuth).toEqual({ mode: 'implicit', assumeRoles: [] });
  });

  test.each([
    [{ STORAGE_AUTH: 'keyless' }, "STORAGE_AUTH is 'keyless': expected 'access-key' or 'implicit'"],
    [{ ASSUME_ROLE_CHAIN: CHAIN }, "expected it only with STORAGE_AUTH=implicit"],
    [{ STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: 'arn:aws:iam::1:user/x' }, "role 1 ('arn:aws:iam::1:user/x') is not an IAM role ARN"],
    [{ STORAGE_AUTH: 'implicit', ASSUME_ROLE_CHAIN: 'arn:aws:iam::123456789012:role/r;externalid=x' }, "role 1 has 'externalid=x' after its ARN"],
  ])('refuses %j, naming the variable', (variables, message) => {
    expect(() => parseSettings(testEnvironment(variables))).toThrow(message);
  });

  test('needs no access-key secret in the implicit mode, and still needs it otherwise', () => {
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`;
    expect(parseSecretArns({ CONNECTION_SECRET_ARN: arn('c'), STORAGE_AUTH: 'implicit' })).toEqual({ connectionSecretArn: arn('c'), accessKeySecretArn: undefined });
    expect(() => parseSecretArns({ CONNECTION_SECRET_ARN: arn('c') })).toThrow('ACCESS_KEY_SECRET_ARN is not set');
  });
});
