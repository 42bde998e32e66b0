import { Client } from 'pg';
import { nowMs } from './measure';

/** One connect or query of any pg client in this process, timed from call to settlement. */
export interface PgEvent {
  readonly kind: 'connect' | 'query';
  readonly text: string;
  readonly startMs: number;
  readonly endMs: number;
}

type AnyMethod = (this: Client, ...args: unknown[]) => unknown;

/**
 * Times every `connect()` and `query()` of pg clients (promise form, which the Lambda's
 * Session and the floor use) by wrapping the prototype methods in this process only,
 * so the bench can tell when the BACKUP statement returned its job id without any hook
 * in production code. `uninstall` restores the original methods.
 */
export function installPgProbe(): { readonly events: PgEvent[]; uninstall(): void } {
  const events: PgEvent[] = [];
  const prototype = Client.prototype as unknown as Record<'connect' | 'query', AnyMethod>;
  const originals = { connect: prototype.connect, query: prototype.query };
  const wrap = (kind: 'connect' | 'query'): AnyMethod =>
    function (this: Client, ...args: unknown[]): unknown {
      const startMs = nowMs();
      const returned = originals[kind].apply(this, args);
      if (!(returned instanceof Promise)) return returned;
      const first = args[0];
      const text = kind === 'connect' ? '' : typeof first === 'string' ? first : String((first as { text?: unknown } | undefined)?.text ?? '');
      const record = (): void => {
        events.push({ kind, text, startMs, endMs: nowMs() });
      };
      return returned.then(
        (value: unknown) => {
          record();
          return value;
        },
        (error: unknown) => {
          record();
          throw error;
        },
      );
    };
  prototype.connect = wrap('connect');
  prototype.query = wrap('query');
  return {
    events,
    uninstall(): void {
      prototype.connect = originals.connect;
      prototype.query = originals.query;
    },
  };
}
