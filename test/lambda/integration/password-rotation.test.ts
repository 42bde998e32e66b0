import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, DatabaseError } from 'pg';
import { ENV } from '../../../contract/environment';
import { handler } from '../../../lambda/backup/handler';
import { parseSettings } from '../../../lambda/backup/connect/config';
import { BackupResult } from '../../../lambda/backup/report/result';
import { runPasswordRotation } from '../../../lambda/rotation/password-handler';
import { RotationSummary } from '../../../lambda/rotation/report';
import { S3TestServer, startS3Server } from '../../support/aws/s3-server';
import { RotationStepEvent, SecretsManagerDouble } from '../../support/aws/secrets-manager-double';
import { CockroachDouble } from '../../support/cockroach-double';
import { ACCESS_KEY, BACKUP_USER, BUCKET, COLLECTION, connectionSecretFor, ROOT_USER } from '../helpers/harness';
import { installSecretGuard, recordForSecretCheck, TEST_PASSWORD } from '../helpers/secret-guard';
import { LIFECYCLE_VERSIONS } from '../helpers/versions';

/**
 * The SQL password's rotation from end to end, with no mock: the fake Secrets Manager runs the
 * four steps of the password rotation function against the CockroachDouble (which applies
 * pkg/sql/alter_role.go's rules and stores a new SCRAM verifier), and the backup Lambda's handler
 * reads the connection secret from the same fake, as deployed with `connectionPasswordRotation`.
 */
const guarded: string[] = [];
const guard = installSecretGuard(guarded);
const ROLE_CREDENTIALS = { accessKeyId: 'AKIAPASSWORDROTATION', secretAccessKey: 'password-rotation-role-secret-000000000' };

describe.each(LIFECYCLE_VERSIONS)('the password rotation on %s', (version) => {
  let secrets: SecretsManagerDouble;
  let s3: S3TestServer;
  let double: CockroachDouble;
  let connectionSecretArn: string;
  let client: SecretsManagerClient;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    secrets = await SecretsManagerDouble.start();
    s3 = await startS3Server({ credentials: [ACCESS_KEY], buckets: [BUCKET] });
    double = await CockroachDouble.start({ version, users: [BACKUP_USER, ROOT_USER], awsS3Endpoint: s3.endpoint, whenCompleteIntervalMs: 50, jobDurationMs: 30 });
    connectionSecretArn = secrets.createSecret('backup-connection', connectionSecretFor(double));
    const accessKeySecretArn = secrets.createSecret('backup-access-key', JSON.stringify(ACCESS_KEY));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROLE_CREDENTIALS.secretAccessKey,
      [ENV.connectionSecretArn]: connectionSecretArn,
      [ENV.accessKeySecretArn]: accessKeySecretArn,
      [ENV.bucketName]: BUCKET,
      [ENV.bucketRegion]: 'us-east-1',
      [ENV.collection]: COLLECTION,
      [ENV.connectTimeoutMs]: '2000',
      [ENV.statementTimeoutMs]: '2000',
      [ENV.passwordRotation]: 'true',
    });
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: secrets.endpoint, credentials: ROLE_CREDENTIALS, maxAttempts: 1 });
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    client.destroy();
    await double.stop();
    await s3.stop();
    await secrets.stop();
  });

  /** Every password the secret ever held is a secret the guard looks for. */
  function guardPasswords(): void {
    for (const view of secrets.versions(connectionSecretArn)) {
      const value = view.stages.length > 0 && view.hasValue ? secrets.valueAt(connectionSecretArn, view.stages[0]) : undefined;
      const password = value === undefined ? undefined : (JSON.parse(value) as { password: string }).password;
      if (password !== undefined && !guarded.includes(password)) guarded.push(password);
    }
  }

  async function invoke(event: RotationStepEvent): Promise<RotationSummary> {
    try {
      const summary = await runPasswordRotation(event, { settings: parseSettings(process.env), connectionSecretArn, secretsManager: client, now: () => new Date() }, 15_000);
      recordForSecretCheck(summary);
      return summary;
    } catch (error) {
      recordForSecretCheck(error);
      throw error;
    } finally {
      guardPasswords();
    }
  }

  const step = (Step: RotationStepEvent['Step'], token: string): Promise<RotationSummary> => invoke({ Step, SecretId: connectionSecretArn, ClientRequestToken: token });

  async function backup(kind: 'full' | 'incremental'): Promise<BackupResult> {
    const deadline = Date.now() + 15_000;
    const result = await handler({ kind }, { getRemainingTimeInMillis: () => deadline - Date.now() });
    guard.inspect(result);
    return result;
  }

  const passwordAt = (stage: string): string => (JSON.parse(secrets.valueAt(connectionSecretArn, stage) ?? '{}') as { password: string }).password;

  /** Whether `password` logs in the backup user now (a new connection). */
  async function logsIn(password: string): Promise<boolean | string> {
    const pg = new Client({ host: double.host, port: double.port, user: BACKUP_USER.name, password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
    pg.on('error', () => undefined);
    try {
      await pg.connect();
      return true;
    } catch (error) {
      return error instanceof DatabaseError ? (error.code ?? 'no code') : String(error);
    } finally {
      await pg.end().catch(() => undefined);
    }
  }

  async function enableOwnPasswordChanges(): Promise<void> {
    const root = new Client({ host: double.host, port: double.port, user: ROOT_USER.name, password: ROOT_USER.password, database: 'defaultdb', ssl: { ca: double.caCertificate } });
    await root.connect();
    await root.query('SET CLUSTER SETTING sql.auth.change_own_password.enabled = true');
    await root.end();
  }

  test('changes the password: the old one no longer logs in, the new one does, and the next backup run succeeds', async () => {
    await enableOwnPasswordChanges();
    expect(await backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });

    const token = await secrets.rotate(connectionSecretArn, invoke);
    const rotated = passwordAt('AWSCURRENT');
    expect(rotated).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(passwordAt('AWSPREVIOUS')).toBe(TEST_PASSWORD);
    expect([await logsIn(TEST_PASSWORD), await logsIn(rotated)]).toEqual(['28P01', true]);
    // Only the password changed.
    expect({ ...JSON.parse(secrets.valueAt(connectionSecretArn, 'AWSCURRENT') ?? ''), password: 'x' }).toEqual({ ...JSON.parse(connectionSecretFor(double)), password: 'x' });
    expect(double.statements.filter((s) => s.text.startsWith('ALTER')).map((s) => s.text)).toEqual(['ALTER USER CURRENT_USER WITH PASSWORD $1']);

    // The warm Lambda still holds the old password: refused, it reads the secret again.
    expect(await backup('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 1 });
    const lines = guard.lines.filter((l) => l.includes('"summary":"password rotation"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.action, l.outcome, l.token, l.acted])).toEqual([
      ['createSecret', 'succeeded', token, true],
      ['setSecret', 'succeeded', token, true],
      ['testSecret', 'succeeded', token, true],
      ['finishSecret', 'succeeded', token, true],
    ]);
  });

  test('refused while the setting is off: setSecret fails naming the setting, and AWSCURRENT keeps working', async () => {
    const error = await secrets.rotate(connectionSecretArn, invoke).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /^setSecret failed for the connection secret arn:aws:secretsmanager:\S+: CockroachDB refused user backup to change its own password \(42501: user backup does not have CREATEROLE privilege\): an admin must run SET CLUSTER SETTING sql\.auth\.change_own_password\.enabled = true/,
    );
    expect(passwordAt('AWSCURRENT')).toBe(TEST_PASSWORD);
    expect(await logsIn(TEST_PASSWORD)).toBe(true);
    expect(guard.lines.some((l) => l.includes('"level":"ERROR"') && l.includes('"action":"setSecret"'))).toBe(true);
    expect(await backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });
  });

  test('every step can run twice: a retried setSecret finds the new password already in place', async () => {
    await enableOwnPasswordChanges();
    const token = secrets.beginRotation(connectionSecretArn);
    const twice = async (name: RotationStepEvent['Step']): Promise<unknown[]> => [(await step(name, token)).acted, (await step(name, token)).acted];
    expect(await twice('createSecret')).toEqual([true, false]);
    const pending = passwordAt('AWSPENDING');
    expect(await twice('setSecret')).toEqual([true, false]);
    expect(await twice('testSecret')).toEqual([true, true]);
    expect(await twice('finishSecret')).toEqual([true, false]);
    secrets.endRotation(connectionSecretArn, token);
    expect(passwordAt('AWSCURRENT')).toBe(pending);
    expect(double.statements.filter((s) => s.text.startsWith('ALTER'))).toHaveLength(1);
    expect(await logsIn(pending)).toBe(true);
  });

  test('a backup run between setSecret and finishSecret logs in with the pending password and succeeds', async () => {
    await enableOwnPasswordChanges();
    expect(await backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });
    const token = secrets.beginRotation(connectionSecretArn);
    await step('createSecret', token);
    await step('setSecret', token);
    // AWSCURRENT now holds a password the cluster refuses.
    expect(await logsIn(TEST_PASSWORD)).toBe('28P01');
    const result = await backup('incremental');
    expect(result).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 1 });
    expect(guard.lines.some((l) => l.includes('logging in with its AWSPENDING version'))).toBe(true);
    await step('testSecret', token);
    await step('finishSecret', token);
    secrets.endRotation(connectionSecretArn, token);
    expect(await backup('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 2 });
  });
});

describe('the password rotation steps at their edges', () => {
  let secrets: SecretsManagerDouble;
  let double: CockroachDouble;
  let client: SecretsManagerClient;
  let arn: string;
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    secrets = await SecretsManagerDouble.start();
    double = await CockroachDouble.start({ users: [BACKUP_USER, ROOT_USER] });
    double.allowChangingOwnPassword(true);
    arn = secrets.createSecret('backup-connection', connectionSecretFor(double));
    Object.assign(process.env, { [ENV.connectionSecretArn]: arn, [ENV.bucketName]: BUCKET, [ENV.bucketRegion]: 'us-east-1', [ENV.collection]: COLLECTION, [ENV.connectTimeoutMs]: '2000' });
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: secrets.endpoint, credentials: ROLE_CREDENTIALS, maxAttempts: 1 });
  });

  afterEach(async () => {
    process.env = { ...savedEnv };
    client.destroy();
    await double.stop();
    await secrets.stop();
  });

  const invoke = async (event: unknown): Promise<RotationSummary> => {
    try {
      const summary = await runPasswordRotation(event, { settings: parseSettings(process.env), connectionSecretArn: arn, secretsManager: client, now: () => new Date() }, 15_000);
      recordForSecretCheck(summary);
      return summary;
    } catch (error) {
      recordForSecretCheck(error);
      throw error;
    } finally {
      for (const stage of ['AWSCURRENT', 'AWSPENDING']) {
        const value = secrets.valueAt(arn, stage);
        const password = value === undefined ? undefined : (JSON.parse(value) as { password?: string }).password;
        if (password !== undefined && !guarded.includes(password)) guarded.push(password);
      }
    }
  };
  const step = (Step: RotationStepEvent['Step'], token: string): Promise<RotationSummary> => invoke({ Step, SecretId: arn, ClientRequestToken: token });
  const rejection = (promise: Promise<unknown>): Promise<Error> =>
    promise.then(
      () => {
        throw new Error('expected the step to fail');
      },
      (e: unknown) => e as Error,
    );

  test("Secrets Manager's check of a new schedule (testSecret alone, on a version without a value) passes, even before host is filled in, and that version can never become current", async () => {
    secrets.putValue(arn, JSON.stringify({ ...JSON.parse(connectionSecretFor(double)), host: '', ca: '' }));
    const token = secrets.beginRotation(arn);
    expect(await step('testSecret', token)).toMatchObject({ outcome: 'succeeded', acted: false, note: 'the version holds no new password: nothing to test' });
    expect((await rejection(step('finishSecret', token))).message).toMatch(/^finishSecret failed for the connection secret \S+: version \S+ holds no value: createSecret did not store one$/);
    expect(secrets.valueAt(arn, 'AWSCURRENT')).toContain('"host":""');
  });

  test('an edit of the secret after createSecret stops setSecret before the password changes', async () => {
    const token = secrets.beginRotation(arn);
    await step('createSecret', token);
    // The operator fixes the CA meanwhile: a new AWSCURRENT version.
    secrets.putValue(arn, JSON.stringify({ ...JSON.parse(connectionSecretFor(double)), dbname: 'postgres' }));
    expect((await rejection(step('setSecret', token))).message).toMatch(/^setSecret failed for the connection secret \S+: the connection secret was edited after createSecret/);
    expect(double.statements.filter((s) => s.text.startsWith('ALTER'))).toEqual([]);
  });

  test('says so when neither password logs in, and refuses the retirement event and another secret', async () => {
    const token = secrets.beginRotation(arn);
    await step('createSecret', token);
    double.addUser({ ...BACKUP_USER, password: 'changed-by-someone-else' });
    expect((await rejection(step('setSecret', token))).message).toMatch(/^setSecret failed for the connection secret \S+: neither the current nor the pending password logs in user backup: cannot connect/);
    expect((await rejection(invoke({ action: 'retire-previous-key' }))).message).toMatch(/retire-previous-key is the access-key rotation function's/);
    expect((await rejection(invoke({ Step: 'createSecret', SecretId: `${arn}-other`, ClientRequestToken: token }))).message).toMatch(/is not the connection secret .*: this function rotates that secret only/);
  });
});
