/** Number formatting for the table: one style everywhere. */

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`;
}

export function bytes(value: number): string {
  return `${value.toLocaleString('en-US')} B (${(value / 1024).toFixed(1)} KiB)`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function verdict(pass: boolean): string {
  return pass ? 'pass' : '**miss**';
}

/** A Markdown table; `|` in cells is escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.map(cell).join(' | ')} |`).join('\n');
}
