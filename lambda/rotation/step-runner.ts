import { RotationStep } from './event';
import { RotationError } from './errors';
import { CURRENT, PENDING, SecretState } from './rotated-secret';

/** What a step did, for the summary line (ids and notes, never a secret). */
export interface StepReport {
  /** False when there was nothing to do: a repeated invocation, or a version already current. */
  readonly acted: boolean;
  readonly note?: string;
  /** What else the kind reports (key ids, attempts): summary-line fields. */
  readonly [detail: string]: unknown;
}

/** The four steps of one kind of secret, each given the secret's state (read once) and the token. */
export type StepHandlers<R extends StepReport> = Readonly<Record<RotationStep, (state: SecretState, token: string) => Promise<R>>>;

/** The secret a rotation works on: its id for messages, and DescribeSecret. */
export interface DescribedSecret {
  readonly secretId: string;
  describe(): Promise<SecretState>;
}

/**
 * The checks every step starts with (AWS's rotation templates): rotation is on for the
 * secret, and the token is a version of it staged AWSPENDING; a version already AWSCURRENT
 * means the rotation finished and a retried invocation has nothing to do.
 */
function tokenIsPending(secret: DescribedSecret, state: SecretState, token: string): boolean {
  if (!state.rotationEnabled) throw new RotationError(`rotation is not enabled for the secret ${secret.secretId}`);
  const stages = state.versionStages[token];
  if (stages === undefined) throw new RotationError(`version ${token} of the secret ${secret.secretId} does not exist: it has no stage for rotation`);
  if (stages.includes(CURRENT)) return false;
  if (!stages.includes(PENDING)) throw new RotationError(`version ${token} of the secret ${secret.secretId} is not staged AWSPENDING`);
  return true;
}

/**
 * Runs one step of Secrets Manager's rotation for the token, with the secret's state read
 * once: the same protocol for every kind of secret (the access key, the SQL password), only
 * the handlers differ.
 */
export async function runStep<R extends StepReport>(secret: DescribedSecret, handlers: StepHandlers<R>, step: RotationStep, token: string): Promise<R | StepReport> {
  const state = await secret.describe();
  if (!tokenIsPending(secret, state, token)) return { acted: false, note: `version ${token} is already AWSCURRENT` };
  return handlers[step](state, token);
}
