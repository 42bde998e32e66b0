import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client, DatabaseError } from 'pg';
import { ENV } from '../../../contract/environment';
import { handler } from '../../../lambda/backup/handler';
import { parseSettings } from '../../../lambda/backup/connect/config';
import { BackupResult } from '../../../lambda/backup/report/result';
import { runPasswordRotation } from '../../../lambda/rotation/password-handler';
import { RotationSummary } from '../../../lambda/rotation/report';
import { startS3Server } from '../../support/aws/s3-server';
import { RotationStepEvent, SecretsManagerDouble } from '../../support/aws/secrets-manager-double';
import { CockroachDouble, CockroachVersion } from '../../support/cockroach-double';
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

/** The fakes around one rotation: Secrets Manager holding both secrets, S3, the cluster, the environment as deployed. */
interface PasswordWorld {
  readonly secrets: SecretsManagerDouble;
  readonly double: CockroachDouble;
  readonly arn: string;
  /** One invocation of the password rotation function; its summary or error is kept for the guard. */
  invoke(event: unknown): Promise<RotationSummary>;
  step(Step: RotationStepEvent['Step'], token: string): Promise<RotationSummary>;
  /** The password the connection secret holds as `stage`. */
  passwordAt(stage: string): string;
  /** Whether `password` logs in the backup user now (a new connection): true, or the SQLSTATE. */
  logsIn(password: string): Promise<boolean | string>;
  /** One run of the backup Lambda's handler (warm across a test's runs, as the secret ARNs are new per world). */
  backup(kind: 'full' | 'incremental'): Promise<BackupResult>;
  close(): Promise<void>;
}

async function startPasswordWorld(version?: CockroachVersion): Promise<PasswordWorld> {
  const savedEnv = { ...process.env };
  const secrets = await SecretsManagerDouble.start();
  const s3 = await startS3Server({ credentials: [ACCESS_KEY], buckets: [BUCKET] });
  const double = await CockroachDouble.start({ version, users: [BACKUP_USER, ROOT_USER], awsS3Endpoint: s3.endpoint, whenCompleteIntervalMs: 50, jobDurationMs: 30 });
  const arn = secrets.createSecret('backup-connection', connectionSecretFor(double));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ROLE_CREDENTIALS.secretAccessKey,
    [ENV.connectionSecretArn]: arn,
    [ENV.accessKeySecretArn]: secrets.createSecret('backup-access-key', JSON.stringify(ACCESS_KEY)),
    [ENV.bucketName]: BUCKET,
    [ENV.bucketRegion]: 'us-east-1',
    [ENV.collection]: COLLECTION,
    [ENV.connectTimeoutMs]: '2000',
    [ENV.statementTimeoutMs]: '2000',
    [ENV.passwordRotation]: 'true',
  });
  const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: secrets.endpoint, credentials: ROLE_CREDENTIALS, maxAttempts: 1 });
  const passwordOf = (value: string | undefined): string | undefined => (value === undefined ? undefined : (JSON.parse(value) as { password?: string }).password);
  /** Every password the secret ever held is a secret the guard looks for. */
  const guardPasswords = (): void => {
    for (const view of secrets.versions(arn)) {
      const password = view.stages.length > 0 && view.hasValue ? passwordOf(secrets.valueAt(arn, view.stages[0])) : undefined;
      if (password !== undefined && !guarded.includes(password)) guarded.push(password);
    }
  };
  const invoke = async (event: unknown): Promise<RotationSummary> => {
    try {
      const summary = await runPasswordRotation(event, { settings: parseSettings(process.env), connectionSecretArn: arn, secretsManager: client, now: () => new Date() }, 15_000);
      recordForSecretCheck(summary);
      return summary;
    } catch (error) {
      recordForSecretCheck(error);
      throw error;
    } finally {
      guardPasswords();
    }
  };
  return {
    secrets,
    double,
    arn,
    invoke,
    step: (Step, token) => invoke({ Step, SecretId: arn, ClientRequestToken: token }),
    passwordAt: (stage) => passwordOf(secrets.valueAt(arn, stage)) ?? '',
    async logsIn(password) {
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
    },
    async backup(kind) {
      const deadline = Date.now() + 15_000;
      const result = await handler({ kind }, { getRemainingTimeInMillis: () => deadline - Date.now() });
      guard.inspect(result);
      return result;
    },
    async close() {
      process.env = { ...savedEnv };
      client.destroy();
      await double.stop();
      await s3.stop();
      await secrets.stop();
    },
  };
}

/** The error a promise rejects with (fails when it resolves). */
function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Error,
  );
}

describe.each(LIFECYCLE_VERSIONS)('the password rotation on %s', (version) => {
  let w: PasswordWorld;
  beforeEach(async () => {
    w = await startPasswordWorld(version);
  });
  afterEach(async () => {
    await w.close();
  });

  /** As an admin: the prerequisite (docs/password-rotation.md). */
  async function enableOwnPasswordChanges(): Promise<void> {
    const root = new Client({ host: w.double.host, port: w.double.port, user: ROOT_USER.name, password: ROOT_USER.password, database: 'defaultdb', ssl: { ca: w.double.caCertificate } });
    await root.connect();
    await root.query('SET CLUSTER SETTING sql.auth.change_own_password.enabled = true');
    await root.end();
  }

  test('changes the password: the old one no longer logs in, the new one does, and the next backup run succeeds', async () => {
    await enableOwnPasswordChanges();
    expect(await w.backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });

    const token = await w.secrets.rotate(w.arn, w.invoke);
    const rotated = w.passwordAt('AWSCURRENT');
    expect(rotated).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(w.passwordAt('AWSPREVIOUS')).toBe(TEST_PASSWORD);
    expect([await w.logsIn(TEST_PASSWORD), await w.logsIn(rotated)]).toEqual(['28P01', true]);
    // Only the password changed.
    expect({ ...JSON.parse(w.secrets.valueAt(w.arn, 'AWSCURRENT') ?? ''), password: 'x' }).toEqual({ ...JSON.parse(connectionSecretFor(w.double)), password: 'x' });
    expect(w.double.statements.filter((s) => s.text.startsWith('ALTER')).map((s) => s.text)).toEqual(['ALTER USER CURRENT_USER WITH PASSWORD $1']);

    // The warm Lambda still holds the old password: refused, it reads the secret again.
    expect(await w.backup('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 1 });
    const lines = guard.lines.filter((l) => l.includes('"summary":"password rotation"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.action, l.outcome, l.token, l.acted])).toEqual([
      ['createSecret', 'succeeded', token, true],
      ['setSecret', 'succeeded', token, true],
      ['testSecret', 'succeeded', token, true],
      ['finishSecret', 'succeeded', token, true],
    ]);
  });

  test('refused while the setting is off: setSecret fails naming the setting, and AWSCURRENT keeps working', async () => {
    const error = await rejection(w.secrets.rotate(w.arn, w.invoke));
    expect(error.message).toMatch(
      /^setSecret failed for the connection secret arn:aws:secretsmanager:\S+: CockroachDB refused user backup to change its own password \(42501: user backup does not have CREATEROLE privilege\): an admin must run SET CLUSTER SETTING sql\.auth\.change_own_password\.enabled = true/,
    );
    expect(w.passwordAt('AWSCURRENT')).toBe(TEST_PASSWORD);
    expect(await w.logsIn(TEST_PASSWORD)).toBe(true);
    expect(guard.lines.some((l) => l.includes('"level":"ERROR"') && l.includes('"action":"setSecret"'))).toBe(true);
    expect(await w.backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });
  });

  test('every step can run twice: a retried setSecret finds the new password already in place', async () => {
    await enableOwnPasswordChanges();
    const token = w.secrets.beginRotation(w.arn);
    const twice = async (name: RotationStepEvent['Step']): Promise<unknown[]> => [(await w.step(name, token)).acted, (await w.step(name, token)).acted];
    expect(await twice('createSecret')).toEqual([true, false]);
    const pending = w.passwordAt('AWSPENDING');
    expect(await twice('setSecret')).toEqual([true, false]);
    expect(await twice('testSecret')).toEqual([true, true]);
    expect(await twice('finishSecret')).toEqual([true, false]);
    w.secrets.endRotation(w.arn, token);
    expect(w.passwordAt('AWSCURRENT')).toBe(pending);
    expect(w.double.statements.filter((s) => s.text.startsWith('ALTER'))).toHaveLength(1);
    expect(await w.logsIn(pending)).toBe(true);
  });

  test('a backup run between setSecret and finishSecret logs in with the pending password and succeeds', async () => {
    await enableOwnPasswordChanges();
    expect(await w.backup('full')).toMatchObject({ action: 'submitted', status: 'succeeded' });
    const token = w.secrets.beginRotation(w.arn);
    await w.step('createSecret', token);
    await w.step('setSecret', token);
    // AWSCURRENT now holds a password the cluster refuses.
    expect(await w.logsIn(TEST_PASSWORD)).toBe('28P01');
    const result = await w.backup('incremental');
    expect(result).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 1 });
    expect(guard.lines.some((l) => l.includes('logging in with its AWSPENDING version'))).toBe(true);
    await w.step('testSecret', token);
    await w.step('finishSecret', token);
    w.secrets.endRotation(w.arn, token);
    expect(await w.backup('incremental')).toMatchObject({ action: 'submitted', status: 'succeeded', chainLength: 2 });
  });
});

describe('the password rotation steps at their edges', () => {
  let w: PasswordWorld;
  beforeEach(async () => {
    w = await startPasswordWorld();
    w.double.allowChangingOwnPassword(true);
  });
  afterEach(async () => {
    await w.close();
  });

  test("Secrets Manager's check of a new schedule (testSecret alone, on a version without a value) passes, even before host is filled in, and that version can never become current", async () => {
    w.secrets.putValue(w.arn, JSON.stringify({ ...JSON.parse(connectionSecretFor(w.double)), host: '', ca: '' }));
    const token = w.secrets.beginRotation(w.arn);
    expect(await w.step('testSecret', token)).toMatchObject({ outcome: 'succeeded', acted: false, note: 'the version holds no new password: nothing to test' });
    expect((await rejection(w.step('finishSecret', token))).message).toMatch(/^finishSecret failed for the connection secret \S+: version \S+ holds no value: createSecret did not store one$/);
    expect(w.secrets.valueAt(w.arn, 'AWSCURRENT')).toContain('"host":""');
  });

  test('an edit of the secret after createSecret stops setSecret before the password changes', async () => {
    const token = w.secrets.beginRotation(w.arn);
    await w.step('createSecret', token);
    // The operator fixes the CA meanwhile: a new AWSCURRENT version.
    w.secrets.putValue(w.arn, JSON.stringify({ ...JSON.parse(connectionSecretFor(w.double)), dbname: 'postgres' }));
    expect((await rejection(w.step('setSecret', token))).message).toMatch(/^setSecret failed for the connection secret \S+: the connection secret was edited after createSecret/);
    expect(w.double.statements.filter((s) => s.text.startsWith('ALTER'))).toEqual([]);
  });

  test('says so when neither password logs in, and refuses the retirement event and another secret', async () => {
    const token = w.secrets.beginRotation(w.arn);
    await w.step('createSecret', token);
    w.double.addUser({ ...BACKUP_USER, password: 'changed-by-someone-else' });
    expect((await rejection(w.step('setSecret', token))).message).toMatch(/^setSecret failed for the connection secret \S+: neither the current nor the pending password logs in user backup: cannot connect/);
    expect((await rejection(w.invoke({ action: 'retire-previous-key' }))).message).toMatch(/retire-previous-key is the access-key rotation function's/);
    expect((await rejection(w.invoke({ Step: 'createSecret', SecretId: `${w.arn}-other`, ClientRequestToken: token }))).message).toMatch(/is not the connection secret .*: this function rotates that secret only/);
  });
});
