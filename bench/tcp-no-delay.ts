// The module object itself (not an import namespace, whose bindings are read-only).
import net = require('net');

/**
 * Starts a server with TCP_NODELAY on every socket it accepts, as CockroachDB has (Go's
 * net package enables it on every TCP connection: "The default is true (no delay)",
 * net.TCPConn.SetNoDelay). The wire-protocol double does not set it, so a response
 * written in several chunks waits for the client's delayed ACK (about 40 ms on Linux)
 * and every statement costs that much more: a cost of the double, not of the code
 * measured, and one that would weigh three statements against the floor's one.
 * `net.createServer` is wrapped only while `start` runs.
 */
export async function withTcpNoDelay<T>(start: () => Promise<T>): Promise<T> {
  const original = net.createServer;
  const patched = (...args: unknown[]): net.Server => {
    const server = (original as (...a: unknown[]) => net.Server)(...args);
    server.on('connection', (socket: net.Socket) => socket.setNoDelay(true));
    return server;
  };
  net.createServer = patched as typeof net.createServer;
  try {
    return await start();
  } finally {
    net.createServer = original;
  }
}
