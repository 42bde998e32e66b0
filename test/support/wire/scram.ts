import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'crypto';

/**
 * Server side of SCRAM-SHA-256 (RFC 5802 / RFC 7677), CockroachDB's default password
 * method since v22.2 (pkg/security/password: server.user_login.password_encryption
 * defaults to scram-sha-256). The iteration count follows CockroachDB's default cost,
 * server.user_login.password_hashes.default_cost.scram_sha_256 = 10610
 * (pkg/security/password/password.go).
 */
export const SCRAM_ITERATIONS = 10610;

/** What the server stores for a user: salt and the derived keys, never the password. */
export interface ScramVerifier {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

export function scramVerifier(password: string, salt: Buffer = randomBytes(16)): ScramVerifier {
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256');
  return { salt, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

function attributes(message: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) map.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return map;
}

/** One SCRAM exchange: client-first -> server-first, client-final -> verdict + server-final. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  constructor(private readonly verifier: ScramVerifier) {}

  /** Returns server-first-message, or undefined if the client message is malformed. */
  start(clientFirst: string): string | undefined {
    // gs2 header: "n,," (no binding) or "y,," (client could bind, server did not offer it).
    const match = /^([ny]),([^,]*),(.*)$/.exec(clientFirst);
    if (match === null) return undefined;
    this.gs2Header = `${match[1]},${match[2]},`;
    this.clientFirstBare = match[3];
    const clientNonce = attributes(this.clientFirstBare).get('r');
    if (clientNonce === undefined) return undefined;
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt.toString('base64')},i=${SCRAM_ITERATIONS}`;
    return this.serverFirst;
  }

  /** Returns server-final-message when the proof is right, undefined otherwise. */
  finish(clientFinal: string): string | undefined {
    const proofAt = clientFinal.lastIndexOf(',p=');
    if (proofAt < 0) return undefined;
    const withoutProof = clientFinal.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs.get('r') !== this.nonce) return undefined;
    if (attrs.get('c') !== Buffer.from(this.gs2Header).toString('base64')) return undefined;
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.verifier.storedKey, authMessage);
    if (proof.length !== clientSignature.length) return undefined;
    const clientKey = Buffer.from(proof.map((byte, i) => byte ^ clientSignature[i]));
    if (!timingSafeEqual(sha256(clientKey), this.verifier.storedKey)) return undefined;
    return `v=${hmac(this.verifier.serverKey, authMessage).toString('base64')}`;
  }
}
