import { syntaxError } from './sql-error';

/**
 * A small SQL tokenizer for the statements the double understands: words
 * (case-insensitive keywords and identifiers), 'string' literals with '' escapes,
 * "quoted identifiers", numbers, $n placeholders and operators.
 */
export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly upper: string; readonly quoted: boolean }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'placeholder'; readonly index: number; readonly text: string }
  | { readonly kind: 'op'; readonly text: string };

const OPERATORS = ['!=', '<>', '<=', '>=', '::', '=', '<', '>', '(', ')', '[', ']', ',', '*', '.', ';', '-', '+'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (c === "'" || ((c === 'e' || c === 'E') && sql[i + 1] === "'")) {
      const escaped = c !== "'";
      i += escaped ? 2 : 1;
      let text = '';
      for (;;) {
        if (i >= sql.length) throw syntaxError("'");
        if (sql[i] === "'" && sql[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else if (escaped && sql[i] === '\\' && i + 1 < sql.length) {
          text += sql[i + 1];
          i += 2;
        } else {
          text += sql[i++];
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw syntaxError('"');
      const text = sql.slice(i + 1, end);
      tokens.push({ kind: 'word', text, upper: text, quoted: true });
      i = end + 1;
    } else if (c === '$' && /\d/.test(sql[i + 1] ?? '')) {
      const match = /^\$(\d+)/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'placeholder', index: Number(match[1]), text: match[0] });
      i += match[0].length;
    } else if (/\d/.test(c)) {
      const match = /^\d+(\.\d+)?/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0].toLowerCase(), upper: match[0].toUpperCase(), quoted: false });
      i += match[0].length;
    } else {
      const op = OPERATORS.find((o) => sql.startsWith(o, i));
      if (op === undefined) throw syntaxError(c);
      tokens.push({ kind: 'op', text: op });
      i += op.length;
    }
  }
  return tokens;
}

/** How a token reads in an error message (CockroachDB quotes the token's source text). */
export function tokenText(token: Token): string {
  return token.kind === 'string' ? `'${token.text.replace(/'/g, "''")}'` : token.text;
}

/**
 * Splits a simple-protocol query string into statements at top-level semicolons,
 * keeping each statement's source text (what the double records and matches faults on).
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === ';') {
      statements.push(sql.slice(start, i));
      start = i + 1;
    }
  }
  statements.push(sql.slice(start));
  return statements.map((s) => s.trim()).filter((s) => s.length > 0);
}
