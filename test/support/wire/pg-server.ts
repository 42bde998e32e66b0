import { AddressInfo, Server, Socket, createServer } from 'net';
import { FaultState } from '../faults';
import { Connection, ConnectionHost } from './connection';

/**
 * The TCP side of the double: listens on 127.0.0.1, hands each socket to a
 * Connection, and applies the connection-level faults (refuse: the port is closed;
 * hang: accepted and never answered). Every socket is tracked so stop() leaves nothing.
 */
export class PgServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  private readonly served = new Set<Promise<void>>();
  private readonly closing = new Set<Promise<void>>();
  port = 0;

  constructor(
    private readonly host: ConnectionHost,
    private readonly faults: FaultState,
  ) {}

  async listen(port = 0): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /**
   * Stops listening (new connections get ECONNREFUSED) but keeps the port number for
   * reopen(). Open connections live on; net.Server's close callback waits for them,
   * so only stop() awaits it.
   */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    this.closing.add(new Promise<void>((resolve) => server.close(() => resolve())));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async reopen(): Promise<void> {
    if (this.server === undefined) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    await this.close();
    for (const connection of this.connections) connection.destroy();
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([...this.closing]);
    await Promise.allSettled([...this.served]);
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    // Answers are several small messages: without this, Nagle's algorithm and the
    // client's delayed ACK add ~40 ms to every round trip.
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.faults.has('hang')) return; // accepted, never answered, destroyed at stop()
    const connection = new Connection(socket, this.host);
    this.connections.add(connection);
    const served = connection
      .serve()
      .catch(() => undefined)
      .finally(() => {
        this.connections.delete(connection);
        this.served.delete(served);
      });
    this.served.add(served);
  }
}
