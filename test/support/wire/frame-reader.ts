import { Duplex } from 'stream';
import { FrontendMessage, MessageBuffer, UntypedMessage } from './frontend-messages';

/**
 * Turns a socket's 'data' events into awaited messages, one at a time. `undefined`
 * means the peer closed the connection. `detach` hands the socket over untouched (the
 * TLS upgrade after SSLRequest).
 */
export class FrameReader {
  private readonly buffer = new MessageBuffer();
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly onData = (chunk: Buffer): void => {
    this.buffer.push(chunk);
    this.notify();
  };
  private readonly onClose = (): void => {
    this.closed = true;
    this.notify();
  };

  constructor(private readonly socket: Duplex) {
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('end', this.onClose);
    socket.on('error', this.onClose);
  }

  detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('end', this.onClose);
    this.socket.off('error', this.onClose);
  }

  untyped(): Promise<UntypedMessage | undefined> {
    return this.next(() => this.buffer.nextUntyped());
  }

  typed(): Promise<FrontendMessage | undefined> {
    return this.next(() => this.buffer.nextTyped());
  }

  private async next<T>(take: () => T | undefined): Promise<T | undefined> {
    for (;;) {
      const message = take();
      if (message !== undefined) return message;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
