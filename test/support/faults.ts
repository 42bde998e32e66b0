/** Failures the double can simulate, as seen from a client. */
export type Fault =
  /** Nothing listens on the port: connect() gets ECONNREFUSED. */
  | { readonly kind: 'refuse' }
  /** TCP is accepted, then nothing is ever answered. */
  | { readonly kind: 'hang' }
  /** The connection is closed without an answer when a statement matches. */
  | { readonly kind: 'drop'; readonly on: RegExp }
  /** Statements (all, or those matching) are answered only after a delay. */
  | { readonly kind: 'slow'; readonly delayMs: number; readonly on?: RegExp }
  /** The server presents a certificate signed by a CA the client does not trust. */
  | { readonly kind: 'foreign-certificate' }
  /** Every login fails with 28P01, as after a password rotation the client missed. */
  | { readonly kind: 'auth-failure' };

/** The active faults and the questions the server asks about them. */
export class FaultState {
  private active: Fault[] = [];

  add(fault: Fault): void {
    this.active.push(fault);
  }

  clear(): void {
    this.active = [];
  }

  has(kind: Fault['kind']): boolean {
    return this.active.some((f) => f.kind === kind);
  }

  dropsOn(text: string): boolean {
    return this.active.some((f) => f.kind === 'drop' && matches(f.on, text));
  }

  /** The total delay for a statement (slow faults add up). */
  delayFor(text: string): number {
    return this.active.reduce((sum, f) => (f.kind === 'slow' && (f.on === undefined || matches(f.on, text)) ? sum + f.delayMs : sum), 0);
  }
}

function matches(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0; // a /g pattern keeps state between test() calls
  return pattern.test(text);
}
