import { redact } from './redact';

export type LogLevel = 'INFO' | 'WARN' | 'ERROR';

/**
 * Writes one JSON object as one line on stdout (CloudWatch Logs keeps each line as
 * one event; the embedded-metric lines use the same path). Every line is redacted.
 */
export function writeJsonLine(record: Readonly<Record<string, unknown>>): void {
  console.log(redact(JSON.stringify(record)));
}

export function log(level: LogLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void {
  writeJsonLine({ level, message, ...fields });
}
