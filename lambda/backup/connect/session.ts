import { Client, QueryConfig, types } from 'pg';
import { Budget } from './budget';
import { describeConnectFailure, describeStatementFailure } from './errors';
import { log } from '../report/log';
import { ConnectionSecret } from './secrets';

// TIMESTAMP (without zone): SHOW JOB(S) uses it up to 23.1, SHOW BACKUP on every version.
// pg would read it in the process's local time zone; kept as text, timestamp.ts reads it
// as UTC, which is what CockroachDB stores. Only this client is affected (no global type parser), and
// INT8 keeps pg's default: a string.
const TIMESTAMP_OID = 1114;

const keepTimestampText: typeof types.getTypeParser = (oid: number, format?: 'text' | 'binary') =>
  oid === TIMESTAMP_OID ? (value: string) => value : types.getTypeParser(oid, format);

/** How much longer the client waits than the server's statement_timeout for a statement meant to wait. */
export const SERVER_TIMEOUT_MARGIN_MS = 1000;

export interface SessionOptions {
  readonly tlsVerify: boolean;
  readonly connectTimeoutMs: number;
  readonly statementTimeoutMs: number;
  readonly budget: Budget;
}

/** A session's options from the settings that hold them (the Lambda's, or a tool's), within `budget`. */
export function sessionOptions(settings: Omit<SessionOptions, 'budget'>, budget: Budget): SessionOptions {
  return { tlsVerify: settings.tlsVerify, connectTimeoutMs: settings.connectTimeoutMs, statementTimeoutMs: settings.statementTimeoutMs, budget };
}

/**
 * One connection to the cluster with every query counted (each `query` is one SQL
 * round trip: a statement without parameters is one simple Query message; the one with a
 * parameter, the password rotation's ALTER USER, one pipelined Parse/Bind/Execute/Sync) and bounded twice:
 * server-side by the `statement_timeout` session variable (sent in the startup
 * message, which CockroachDB takes as session defaults: parseClientProvidedSessionParameters
 * in pkg/sql/pgwire; so it costs no round trip) and client-side by pg's `query_timeout`, which
 * also covers a server that stops answering. Both are capped by the time budget.
 */
export class Session {
  private trips = 0;

  private constructor(
    private readonly client: Client,
    private readonly connection: ConnectionSecret,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Connects over TLS; the certificate is verified against the secret's CA unless TLS_VERIFY=false.
   * With a client certificate, CockroachDB's default `cert-password` method logs in with it and
   * asks for no password (pkg/sql/pgwire/hba_conf.go, DefaultHBAConfig).
   */
  static async open(connection: ConnectionSecret, options: SessionOptions): Promise<Session> {
    if (!options.tlsVerify) {
      log('WARN', 'TLS_VERIFY=false: the server certificate is not verified; anyone on the network path can impersonate the cluster');
    }
    const timeoutMs = options.budget.cap(options.connectTimeoutMs);
    const client = new Client({
      host: connection.host,
      port: connection.port,
      user: connection.username,
      password: connection.password,
      database: connection.dbname,
      ssl: {
        ...(options.tlsVerify ? { ca: connection.ca, rejectUnauthorized: true } : { rejectUnauthorized: false }),
        ...connection.clientCertificate,
      },
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: options.statementTimeoutMs,
      application_name: 'cockroach-backup',
      types: { getTypeParser: keepTimestampText },
    });
    // A connection lost while idle is reported as an 'error' event: without a listener
    // it would crash the process; the next query reports it instead.
    client.on('error', () => undefined);
    const started = Date.now();
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw describeConnectFailure(error, connection, timeoutMs, Date.now() - started >= timeoutMs);
    }
    return new Session(client, connection, options);
  }

  /** The server-side statement_timeout of every statement (milliseconds). */
  get statementTimeoutMs(): number {
    return this.options.statementTimeoutMs;
  }

  /** SQL round trips so far. */
  get roundTrips(): number {
    return this.trips;
  }

  /**
   * Runs one statement; `what` names it in error messages ("the backup statement").
   * `serverTimesOut`: for a statement meant to wait (SHOW JOB WHEN COMPLETE), the
   * client waits SERVER_TIMEOUT_MARGIN_MS longer than statement_timeout, so that the
   * server ends it with 57014 and the connection stays usable.
   */
  async query<Row extends object>(what: string, text: string, options: { readonly serverTimesOut?: boolean; readonly values?: readonly string[] } = {}): Promise<Row[]> {
    return this.run<Row>(what, text, this.options.statementTimeoutMs + (options.serverTimesOut === true ? SERVER_TIMEOUT_MARGIN_MS : 0), options.values);
  }

  /**
   * Runs one statement under a statement_timeout of its own (a file check's budget), then
   * restores the session's: `SET statement_timeout` before and after (two more round trips).
   * The server ends the statement (57014) and the client waits SERVER_TIMEOUT_MARGIN_MS
   * longer, so the connection stays usable; both are capped by the time budget.
   */
  async queryWithTimeout<Row extends object>(what: string, text: string, statementTimeoutMs: number): Promise<Row[]> {
    const serverMs = Math.max(1, Math.min(Math.round(statementTimeoutMs), this.options.budget.remaining() - SERVER_TIMEOUT_MARGIN_MS));
    await this.run('setting the statement timeout', `SET statement_timeout = '${serverMs}ms'`, this.options.statementTimeoutMs);
    try {
      return await this.run<Row>(what, text, serverMs + SERVER_TIMEOUT_MARGIN_MS);
    } finally {
      await this.run('restoring the statement timeout', `SET statement_timeout = '${this.options.statementTimeoutMs}ms'`, this.options.statementTimeoutMs).catch(() => undefined);
    }
  }

  /** `values` bind $1, $2...: a value that must never be part of the statement's text (a password). */
  private async run<Row extends object>(what: string, text: string, clientTimeoutMs: number, values?: readonly string[]): Promise<Row[]> {
    const timeoutMs = this.options.budget.cap(clientTimeoutMs);
    this.trips += 1;
    try {
      // query_timeout is honoured per query by pg (client.js) though its types list it
      // only for the client; a variable avoids the object-literal check.
      const config: QueryConfig & { query_timeout: number } = { text, query_timeout: timeoutMs, ...(values === undefined ? {} : { values: [...values] }) };
      const result = await this.client.query<Row>(config);
      return result.rows;
    } catch (error) {
      throw describeStatementFailure(error, what, this.connection.username, timeoutMs);
    }
  }

  /** Closes the connection; never throws (it runs in `finally`). */
  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
