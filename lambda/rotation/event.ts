import { RetirePreviousKeyEvent } from '../../contract/rotation';
import { ConfigurationError } from '../backup/connect/config';

/** Secrets Manager's rotation steps, in the order it invokes them. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** What one invocation asks for: a step of Secrets Manager's rotation, or a retirement of previous keys. */
export type RotationRequest =
  | { readonly kind: 'step'; readonly step: RotationStep; readonly secretId: string; readonly token: string }
  | { readonly kind: 'retire'; readonly immediately: boolean };

/**
 * Reads the event: Secrets Manager's `{Step, SecretId, ClientRequestToken}` (AWS docs,
 * "Rotation by Lambda function"), or the construct's (or an operator's)
 * `{"action":"retire-previous-key","immediately"?:true}` (contract/rotation.ts).
 */
export function parseRotationEvent(event: unknown): RotationRequest {
  const object = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {};
  if (object.action === ('retire-previous-key' satisfies RetirePreviousKeyEvent['action'])) {
    if (object.immediately !== undefined && typeof object.immediately !== 'boolean') {
      throw new ConfigurationError(`the event's immediately is ${JSON.stringify(object.immediately)}: expected true, false or nothing`);
    }
    return { kind: 'retire', immediately: object.immediately === true };
  }
  const { Step: step, SecretId: secretId, ClientRequestToken: token } = object;
  if (typeof step === 'string' && (ROTATION_STEPS as readonly string[]).includes(step) && typeof secretId === 'string' && typeof token === 'string' && token !== '') {
    return { kind: 'step', step: step as RotationStep, secretId, token };
  }
  throw new ConfigurationError(
    `the event is neither a rotation step {Step: ${ROTATION_STEPS.join('|')}, SecretId, ClientRequestToken} nor {"action":"retire-previous-key"}: got keys ${JSON.stringify(Object.keys(object))}`,
  );
}
