import { Writer } from 'pg-protocol/dist/buffer-writer';

/**
 * The backend (server-to-client) messages of the PostgreSQL v3 protocol that the
 * double sends. pg-protocol only serializes frontend messages, but its Writer does the
 * framing (type byte + int32 length), so each message here is a few lines.
 * Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Type OIDs CockroachDB reports for the column types the double uses (pkg/sql/oidext, lib/pq/oid). */
export const TypeOid = {
  BOOL: 16,
  INT8: 20,
  TEXT: 25,
  FLOAT8: 701,
  TIMESTAMPTZ: 1184,
  UUID: 2950,
  BYTES: 17,
  TIMESTAMP: 1114,
  NUMERIC: 1700,
  /** STRING[] (sent in text format, e.g. '{}'). */
  TEXT_ARRAY: 1009,
  /** NAME (owner columns), text like STRING. */
  NAME: 19,
} as const;
export type TypeOid = (typeof TypeOid)[keyof typeof TypeOid];

const TYPE_LENGTH: Record<TypeOid, number> = { 16: 1, 20: 8, 25: -1, 701: 8, 1184: 8, 2950: 16, 17: -1, 1114: 8, 1700: -1, 1009: -1, 19: 64 };

export interface Column {
  readonly name: string;
  readonly type: TypeOid;
}

/** Transaction status byte of ReadyForQuery: idle, in a transaction block, in a failed one. */
export type TransactionStatus = 'I' | 'T' | 'E';

export function authenticationOk(): Buffer {
  return new Writer().addInt32(0).flush(0x52);
}

export function authenticationSasl(mechanisms: readonly string[]): Buffer {
  const writer = new Writer().addInt32(10);
  for (const mechanism of mechanisms) writer.addCString(mechanism);
  return writer.addCString('').flush(0x52);
}

export function authenticationSaslContinue(data: string): Buffer {
  return new Writer().addInt32(11).addString(data).flush(0x52);
}

export function authenticationSaslFinal(data: string): Buffer {
  return new Writer().addInt32(12).addString(data).flush(0x52);
}

export function parameterStatus(name: string, value: string): Buffer {
  return new Writer().addCString(name).addCString(value).flush(0x53);
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return new Writer().addInt32(processId).addInt32(secretKey).flush(0x4b);
}

export function readyForQuery(status: TransactionStatus): Buffer {
  return new Writer().add(Buffer.from(status, 'ascii')).flush(0x5a);
}

export function rowDescription(columns: readonly Column[]): Buffer {
  const writer = new Writer().addInt16(columns.length);
  for (const column of columns) {
    writer
      .addCString(column.name)
      .addInt32(0) // table OID: not a table column
      .addInt16(0) // attribute number
      .addInt32(column.type)
      .addInt16(TYPE_LENGTH[column.type])
      .addInt32(-1) // type modifier
      .addInt16(0); // text format
  }
  return writer.flush(0x54);
}

export function dataRow(values: readonly (string | null)[]): Buffer {
  const writer = new Writer().addInt16(values.length);
  for (const value of values) {
    if (value === null) {
      writer.addInt32(-1);
    } else {
      const bytes = Buffer.from(value, 'utf8');
      writer.addInt32(bytes.length).add(bytes);
    }
  }
  return writer.flush(0x44);
}

export function commandComplete(tag: string): Buffer {
  return new Writer().addCString(tag).flush(0x43);
}

export function emptyQueryResponse(): Buffer {
  return new Writer().flush(0x49);
}

export function parseComplete(): Buffer {
  return new Writer().flush(0x31);
}

export function bindComplete(): Buffer {
  return new Writer().flush(0x32);
}

export function closeComplete(): Buffer {
  return new Writer().flush(0x33);
}

export function noData(): Buffer {
  return new Writer().flush(0x6e);
}

export function parameterDescription(oids: readonly number[]): Buffer {
  const writer = new Writer().addInt16(oids.length);
  for (const oid of oids) writer.addInt32(oid);
  return writer.flush(0x74);
}

export interface ErrorFields {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

export function errorResponse(fields: ErrorFields): Buffer {
  return fieldsMessage(fields, 0x45);
}

/** A NoticeResponse ('N'), e.g. CockroachDB's deprecation notices (pgnotice.Newf): severity NOTICE, SQLSTATE 00000. */
export function noticeResponse(message: string): Buffer {
  return fieldsMessage({ severity: 'NOTICE', code: '00000', message }, 0x4e);
}

function fieldsMessage(fields: ErrorFields, type: number): Buffer {
  const writer = new Writer();
  const field = (code: string, value: string): void => {
    writer.add(Buffer.from(code, 'ascii')).addCString(value);
  };
  field('S', fields.severity);
  field('V', fields.severity);
  field('C', fields.code);
  field('M', fields.message);
  if (fields.detail !== undefined) field('D', fields.detail);
  if (fields.hint !== undefined) field('H', fields.hint);
  return writer.add(Buffer.from([0])).flush(type);
}
