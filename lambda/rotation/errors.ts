import { redactedMessage } from '../backup/report/redact';

/** A step or retirement failed; the message names the step and the key ids concerned, never a secret. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

/** A cause as the messages show it: a RotationError's own message, else `<name>: <message>`, redacted. */
export function describeCause(error: unknown): string {
  if (error instanceof RotationError) return error.message;
  return `${error instanceof Error ? error.name : 'Error'}: ${redactedMessage(error)}`;
}
