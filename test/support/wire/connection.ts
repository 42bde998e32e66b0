import { X509Certificate } from 'crypto';
import { Socket } from 'net';
import { TLSSocket } from 'tls';
import { Duplex } from 'stream';
import { SqlError, SqlState } from '../sql/sql-error';
import { ResultSet, formatValue } from '../sql/values';
import { splitStatements } from '../sql/lexer';
import { Session } from '../session';
import * as msg from './backend-messages';
import { FrameReader } from './frame-reader';
import { FrontendMessage } from './frontend-messages';
import { ScramExchange, ScramVerifier } from './scram';

/** What a connection needs from the double. */
export interface ConnectionHost {
  /** The server's certificate and key, and the CA that signs client certificates (requested, not required). */
  tlsOptions(): { key: string; cert: string; ca: string };
  /** The user's SCRAM verifier, or undefined when the login must fail. */
  verifier(user: string): ScramVerifier | undefined;
  openSession(user: string, parameters: ReadonlyMap<string, string>): Session;
  /** Runs one statement; `undefined` means the connection must be dropped without an answer. */
  run(session: Session, text: string, params: readonly (string | null)[]): Promise<ResultSet | undefined>;
  /** Parameters CockroachDB reports after authentication (pkg/sql/pgwire/conn.go, statusReportParams). */
  parameterStatus(session: Session): ReadonlyMap<string, string>;
}

interface Portal {
  readonly text: string;
  readonly params: readonly (string | null)[];
  result?: ResultSet;
}

const transactionStatus = (session: Session): msg.TransactionStatus =>
  session.transaction === 'idle' ? 'I' : session.transaction === 'open' ? 'T' : 'E';

/**
 * One client connection through its whole life: SSLRequest and the TLS upgrade,
 * the startup message, SCRAM-SHA-256, then the simple and extended query protocols.
 */
export class Connection {
  private socket: Duplex;
  private session: Session | undefined;
  private readonly statements = new Map<string, string>();
  private readonly portals = new Map<string, Portal>();
  /** After an error in the extended protocol, messages are skipped up to Sync. */
  private skipToSync = false;

  constructor(
    private readonly raw: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.socket = raw;
  }

  destroy(): void {
    this.socket.destroy();
    this.raw.destroy();
  }

  async serve(): Promise<void> {
    try {
      const reader = await this.handshake();
      if (reader === undefined) return;
      for (;;) {
        const message = await reader.typed();
        if (message === undefined || message.kind === 'terminate') break;
        if (!(await this.handle(message))) break;
      }
    } finally {
      this.destroy();
    }
  }

  private write(...buffers: Buffer[]): void {
    if (!this.socket.destroyed) this.socket.write(buffers.length === 1 ? buffers[0] : Buffer.concat(buffers));
  }

  private fatal(code: string, message: string): void {
    this.write(msg.errorResponse({ severity: 'FATAL', code, message }));
    this.socket.end();
  }

  /** SSLRequest -> 'S' -> TLS; CockroachDB in secure mode refuses plaintext startups. */
  private async handshake(): Promise<FrameReader | undefined> {
    let reader = new FrameReader(this.socket);
    let first = await reader.untyped();
    if (first?.kind === 'gssenc-request') {
      this.write(Buffer.from('N'));
      first = await reader.untyped();
    }
    if (first?.kind !== 'ssl-request') {
      // pkg/sql/pgwire/server.go: a secure node requires TLS.
      if (first !== undefined) this.fatal(SqlState.protocolViolation, 'node is running secure mode, SSL connection required');
      return undefined;
    }
    reader.detach();
    this.write(Buffer.from('S'));
    // A client certificate is asked for, not required: CockroachDB's default HBA method
    // cert-password logs in with a certificate when the client presents one, with the
    // password otherwise (pkg/sql/pgwire/hba_conf.go, DefaultHBAConfig).
    const tlsOptions = this.host.tlsOptions();
    const tlsSocket = new TLSSocket(this.raw, { isServer: true, requestCert: true, rejectUnauthorized: false, ...tlsOptions });
    tlsSocket.on('error', () => tlsSocket.destroy());
    this.socket = tlsSocket;
    reader = new FrameReader(tlsSocket);
    const startup = await reader.untyped();
    if (startup?.kind !== 'startup') return undefined;
    const user = startup.parameters.get('user') ?? '';
    const certificateLogin = this.certificateLogin(tlsSocket, user, tlsOptions.ca);
    if (certificateLogin === 'refused') return undefined;
    if (certificateLogin === 'accepted') this.write(msg.authenticationOk());
    else if (!(await this.authenticate(reader, user))) return undefined;
    this.session = this.host.openSession(user, startup.parameters);
    for (const [name, value] of this.host.parameterStatus(this.session)) this.write(msg.parameterStatus(name, value));
    this.write(msg.backendKeyData(Math.floor(Math.random() * 2 ** 31), Math.floor(Math.random() * 2 ** 31)));
    this.write(msg.readyForQuery('I'));
    return reader;
  }

  /**
   * A certificate login: a client certificate the CA signed for the requested user (its
   * common name) logs in without a password; one for another user, or one the CA did not
   * sign, is refused (pkg/security/auth.go, UserAuthCertHook: the certificate's principal
   * must be the requested user). Without a certificate the password decides.
   */
  private certificateLogin(socket: TLSSocket, user: string, caPem: string): 'accepted' | 'refused' | 'none' {
    const peer = socket.getPeerX509Certificate();
    if (peer === undefined) return 'none';
    // A TLSSocket made outside a tls.Server does not set `authorized`: the chain is checked here.
    const ca = new X509Certificate(caPem);
    const signedByCa = peer.checkIssued(ca) && peer.verify(ca.publicKey);
    const commonName = /^CN=(.*)$/m.exec(peer.subject)?.[1];
    if (signedByCa && commonName === user) return 'accepted';
    this.fatal(SqlState.invalidAuthorization, `certificate authentication failed for user ${user}`);
    return 'refused';
  }

  /**
   * SCRAM-SHA-256 (RFC 7677). Unknown users go through the same exchange with a
   * throw-away verifier so that the answer does not reveal whether the user exists;
   * both end in CockroachDB's message (pkg/sql/pgwire/auth_methods.go).
   */
  private async authenticate(reader: FrameReader, user: string): Promise<boolean> {
    const fail = (): false => {
      this.fatal(SqlState.invalidPassword, `password authentication failed for user ${user}`);
      return false;
    };
    const verifier = this.host.verifier(user);
    this.write(msg.authenticationSasl(['SCRAM-SHA-256']));
    const initial = await reader.typed();
    if (initial?.kind !== 'password') return false;
    const payload = initial.payload;
    const mechanismEnd = payload.indexOf(0);
    const length = payload.readInt32BE(mechanismEnd + 1);
    const clientFirst = payload.subarray(mechanismEnd + 5, mechanismEnd + 5 + length).toString('utf8');
    const exchange = new ScramExchange(verifier ?? { salt: Buffer.alloc(16), storedKey: Buffer.alloc(32), serverKey: Buffer.alloc(32) });
    const serverFirst = exchange.start(clientFirst);
    if (serverFirst === undefined) return fail();
    this.write(msg.authenticationSaslContinue(serverFirst));
    const final = await reader.typed();
    if (final?.kind !== 'password') return false;
    const serverFinal = exchange.finish(final.payload.toString('utf8'));
    if (serverFinal === undefined || verifier === undefined) return fail();
    this.write(msg.authenticationSaslFinal(serverFinal), msg.authenticationOk());
    return true;
  }

  /** Handles one message; false ends the connection (a dropped one). */
  private async handle(message: FrontendMessage): Promise<boolean> {
    const session = this.session as Session;
    if (message.kind === 'sync') {
      this.skipToSync = false;
      this.write(msg.readyForQuery(transactionStatus(session)));
      return true;
    }
    if (message.kind === 'query') return this.simpleQuery(session, message.text);
    if (this.skipToSync) return true;
    try {
      switch (message.kind) {
        case 'parse':
          this.statements.set(message.name, message.text);
          this.write(msg.parseComplete());
          return true;
        case 'bind': {
          const text = this.statements.get(message.statement);
          if (text === undefined) throw new SqlError('26000', `unknown prepared statement "${message.statement}"`);
          this.portals.set(message.portal, { text, params: message.values });
          this.write(msg.bindComplete());
          return true;
        }
        case 'describe':
          return await this.describe(session, message.target, message.name);
        case 'execute':
          return await this.execute(session, message.portal);
        case 'close':
          (message.target === 'S' ? this.statements : this.portals).delete(message.name);
          this.write(msg.closeComplete());
          return true;
        case 'flush':
          return true;
        default:
          throw new SqlError(SqlState.protocolViolation, `unsupported frontend message`);
      }
    } catch (error) {
      this.sendError(session, error);
      this.skipToSync = true;
      return true;
    }
  }

  /** Describe of a portal runs it (its columns depend on what it does) and keeps the rows for Execute. */
  private async describe(session: Session, target: 'S' | 'P', name: string): Promise<boolean> {
    if (target === 'S') {
      const text = this.statements.get(name) ?? '';
      const count = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      this.write(msg.parameterDescription(new Array<number>(count).fill(msg.TypeOid.TEXT)), msg.noData());
      return true;
    }
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError('34000', `unknown portal "${name}"`);
    const result = await this.host.run(session, portal.text, portal.params);
    if (result === undefined) return false;
    portal.result = result;
    this.write(result.columns.length > 0 ? msg.rowDescription(result.columns) : msg.noData());
    return true;
  }

  private async execute(session: Session, name: string): Promise<boolean> {
    const portal = this.portals.get(name);
    if (portal === undefined) throw new SqlError('34000', `unknown portal "${name}"`);
    let result = portal.result;
    portal.result = undefined;
    if (result === undefined) {
      result = await this.host.run(session, portal.text, portal.params);
      if (result === undefined) return false;
    }
    this.sendRows(result);
    return true;
  }

  private async simpleQuery(session: Session, text: string): Promise<boolean> {
    const statements = splitStatements(text);
    if (statements.length === 0) this.write(msg.emptyQueryResponse());
    for (const statement of statements) {
      let result: ResultSet | undefined;
      try {
        result = await this.host.run(session, statement, []);
      } catch (error) {
        this.sendError(session, error);
        break;
      }
      if (result === undefined) return false;
      if (result.columns.length > 0) this.write(msg.rowDescription(result.columns));
      this.sendRows(result);
    }
    this.write(msg.readyForQuery(transactionStatus(session)));
    return true;
  }

  private sendRows(result: ResultSet): void {
    this.write(...(result.notices ?? []).map((notice) => msg.noticeResponse(notice)));
    const buffers = result.rows.map((row) => msg.dataRow(row.map((value, i) => formatValue(value, result.columns[i].type))));
    buffers.push(result.tag === '' ? msg.emptyQueryResponse() : msg.commandComplete(result.tag));
    this.write(...buffers);
  }

  private sendError(session: Session, error: unknown): void {
    if (session.transaction === 'open') session.transaction = 'failed';
    const sqlError = error instanceof SqlError ? error : new SqlError(SqlState.internalError, error instanceof Error ? error.message : String(error));
    this.write(msg.errorResponse({ severity: 'ERROR', code: sqlError.code, message: sqlError.message, detail: sqlError.detail, hint: sqlError.hint }));
  }
}
