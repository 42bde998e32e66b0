import { BufferReader } from 'pg-protocol/dist/buffer-reader';

/**
 * Splits the client's byte stream into PostgreSQL v3 frontend messages and decodes
 * the ones the double understands. Before authentication, messages carry no type byte
 * (SSLRequest, StartupMessage, CancelRequest); afterwards each starts with one.
 */

const SSL_REQUEST_CODE = 80877103;
const GSSENC_REQUEST_CODE = 80877104;
const CANCEL_REQUEST_CODE = 80877102;
const PROTOCOL_3_0 = 196608;

export type UntypedMessage =
  | { readonly kind: 'ssl-request' }
  | { readonly kind: 'gssenc-request' }
  | { readonly kind: 'cancel-request' }
  | { readonly kind: 'startup'; readonly parameters: ReadonlyMap<string, string> }
  | { readonly kind: 'unsupported-protocol'; readonly code: number };

export type FrontendMessage =
  | { readonly kind: 'query'; readonly text: string }
  | { readonly kind: 'parse'; readonly name: string; readonly text: string; readonly parameterTypes: readonly number[] }
  | { readonly kind: 'bind'; readonly portal: string; readonly statement: string; readonly values: readonly (string | null)[] }
  | { readonly kind: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'sync' }
  | { readonly kind: 'flush' }
  | { readonly kind: 'terminate' }
  | { readonly kind: 'password'; readonly payload: Buffer }
  | { readonly kind: 'unknown'; readonly type: string };

/** Accumulates bytes and cuts complete messages off the front. */
export class MessageBuffer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** The next untyped message (length includes itself), or undefined when incomplete. */
  nextUntyped(): UntypedMessage | undefined {
    if (this.pending.length < 8) return undefined;
    const length = this.pending.readInt32BE(0);
    if (this.pending.length < length) return undefined;
    const body = this.pending.subarray(4, length);
    this.pending = this.pending.subarray(length);
    return decodeUntyped(body);
  }

  /** The next typed message, or undefined when incomplete. */
  nextTyped(): FrontendMessage | undefined {
    if (this.pending.length < 5) return undefined;
    const length = this.pending.readInt32BE(1);
    if (this.pending.length < length + 1) return undefined;
    const type = String.fromCharCode(this.pending[0]);
    const body = this.pending.subarray(5, length + 1);
    this.pending = this.pending.subarray(length + 1);
    return decodeTyped(type, body);
  }

  /** Bytes received but not yet consumed (for the TLS upgrade, which must start clean). */
  get buffered(): number {
    return this.pending.length;
  }
}

function reader(body: Buffer): BufferReader {
  const r = new BufferReader();
  r.setBuffer(0, body);
  return r;
}

function decodeUntyped(body: Buffer): UntypedMessage {
  const r = reader(body);
  const code = r.int32();
  if (code === SSL_REQUEST_CODE) return { kind: 'ssl-request' };
  if (code === GSSENC_REQUEST_CODE) return { kind: 'gssenc-request' };
  if (code === CANCEL_REQUEST_CODE) return { kind: 'cancel-request' };
  if (code !== PROTOCOL_3_0) return { kind: 'unsupported-protocol', code };
  const parameters = new Map<string, string>();
  let offset = 4;
  while (offset < body.length - 1) {
    const name = r.cstring();
    const value = r.cstring();
    offset += Buffer.byteLength(name) + Buffer.byteLength(value) + 2;
    parameters.set(name, value);
  }
  return { kind: 'startup', parameters };
}

function decodeTyped(type: string, body: Buffer): FrontendMessage {
  const r = reader(body);
  switch (type) {
    case 'Q':
      return { kind: 'query', text: r.cstring() };
    case 'P': {
      const name = r.cstring();
      const text = r.cstring();
      const count = r.int16();
      const parameterTypes: number[] = [];
      for (let i = 0; i < count; i++) parameterTypes.push(r.int32());
      return { kind: 'parse', name, text, parameterTypes };
    }
    case 'B':
      return decodeBind(r);
    case 'D': {
      const target = r.string(1) === 'S' ? 'S' : 'P';
      return { kind: 'describe', target, name: r.cstring() };
    }
    case 'E':
      return { kind: 'execute', portal: r.cstring(), maxRows: r.int32() };
    case 'C': {
      const target = r.string(1) === 'S' ? 'S' : 'P';
      return { kind: 'close', target, name: r.cstring() };
    }
    case 'S':
      return { kind: 'sync' };
    case 'H':
      return { kind: 'flush' };
    case 'X':
      return { kind: 'terminate' };
    case 'p':
      return { kind: 'password', payload: Buffer.from(body) };
    default:
      return { kind: 'unknown', type };
  }
}

/**
 * Bind carries parameter values; the double accepts text format only, which is what
 * pg sends for strings and numbers (binary only for Buffers).
 */
function decodeBind(r: BufferReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const formatCount = r.int16();
  const formats: number[] = [];
  for (let i = 0; i < formatCount; i++) formats.push(r.int16());
  const valueCount = r.int16();
  const values: (string | null)[] = [];
  for (let i = 0; i < valueCount; i++) {
    const length = r.int32();
    if (length === -1) {
      values.push(null);
      continue;
    }
    const bytes = r.bytes(length);
    const format = formats.length === 1 ? formats[0] : (formats[i] ?? 0);
    values.push(format === 1 ? bytes.toString('hex') : bytes.toString('utf8'));
  }
  return { kind: 'bind', portal, statement, values };
}
