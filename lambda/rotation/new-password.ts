import { randomInt } from 'crypto';
import { registerSecret } from '../backup/report/redact';

/** Letters and digits: the construct's generated password's alphabet (lib/credentials/connection-secret.ts). */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters of 62: 32 x log2(62) = about 190 bits, as the construct's first password. */
export const NEW_PASSWORD_LENGTH = 32;

/**
 * A new password from the platform's CSPRNG (crypto.randomInt, uniform over the alphabet).
 * Letters and digits only: it travels as a bind parameter (never inside a statement), and an
 * operator can still paste it into a connection string without quoting or URL-encoding it.
 * Registered for redaction before anyone can log it.
 */
export function newPassword(): string {
  let password = '';
  for (let i = 0; i < NEW_PASSWORD_LENGTH; i++) password += ALPHABET[randomInt(ALPHABET.length)];
  registerSecret(password);
  return password;
}
