import { ConnectionSecret, parseConnectionSecret } from '../backup/connect/secrets';
import { SecretFormat } from './rotated-secret';

/** A version of the connection secret: as the backup Lambda reads it, and every field as stored. */
export interface ConnectionSecretValue {
  readonly connection: ConnectionSecret;
  /** The JSON object as stored (fields the Lambda does not read included), so that a new version changes the password only. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * The connection secret's JSON, parsed by the backup Lambda's own parser (which refuses a
 * secret without `password` and registers the password for redaction), with the CA required
 * unless TLS verification is off, as the backup Lambda requires it.
 */
export function connectionSecretFormat(requireCa: boolean): SecretFormat<ConnectionSecretValue> {
  return {
    name: 'connection secret',
    parse: (text, label) => {
      const connection = parseConnectionSecret(text, label, requireCa);
      // parseConnectionSecret checked that the text is a JSON object.
      return { connection, fields: JSON.parse(text ?? '{}') as Record<string, unknown> };
    },
    serialize: (value) => JSON.stringify(value.fields),
  };
}

/** The same connection with another password: every other field as it was. */
export function withPassword(value: ConnectionSecretValue, password: string): ConnectionSecretValue {
  return { connection: { ...value.connection, password }, fields: { ...value.fields, password } };
}

/**
 * Whether two versions name the same connection (every field but the password equal): a
 * version created by createSecret copies AWSCURRENT, and an edit of AWSCURRENT made after it
 * (host, CA) would be lost when finishSecret makes the copy current.
 */
export function sameConnection(a: ConnectionSecretValue, b: ConnectionSecretValue): boolean {
  const others = (value: ConnectionSecretValue): string =>
    JSON.stringify(
      Object.keys(value.fields)
        .filter((key) => key !== 'password')
        .sort()
        .map((key) => [key, value.fields[key]]),
    );
  return others(a) === others(b);
}
