import { Token, tokenText, tokenize } from './lexer';
import { SqlError, SqlState, syntaxError } from './sql-error';

/** A value in a statement: a literal or a $n placeholder already bound to its parameter. */
export type Operand = { readonly kind: 'string' | 'number'; readonly text: string } | { readonly kind: 'null' };

/** Walks a statement's tokens; every "expect" failure is CockroachDB's syntax error. */
export class Cursor {
  private position = 0;
  private readonly tokens: Token[];

  constructor(
    sql: string,
    private readonly params: readonly (string | null)[],
  ) {
    this.tokens = tokenize(sql);
    // A trailing semicolon is part of a single statement sent with the extended protocol.
    while (this.tokens.length > 0 && this.tokens[this.tokens.length - 1].text === ';') this.tokens.pop();
  }

  /** A cursor at the same position that moves on its own (a look-ahead pass). */
  clone(): Cursor {
    return Object.assign(Object.create(Cursor.prototype) as Cursor, this);
  }

  /**
   * The statement inside `[ ... ]` (the cursor after '['), up to its ']', as normalized text:
   * keywords upper-cased, strings quoted, placeholders replaced by their values; so one text
   * names the data source whoever reads it (`[SHOW JOBS]`, `[SHOW BACKUP FROM LATEST IN '...']`).
   */
  bracketedStatement(): string {
    const parts: string[] = [];
    while (!this.acceptOp(']')) {
      const token = this.peek();
      if (token === undefined) throw this.error();
      if (token.kind === 'word') parts.push(this.identifier().toUpperCase());
      else if (token.kind === 'op') {
        this.position++;
        parts.push(token.text);
      } else {
        const value = this.operand();
        parts.push(value.kind === 'null' ? 'NULL' : value.kind === 'number' ? value.text : tokenText({ kind: 'string', text: value.text }));
      }
    }
    return `[${parts.join(' ')}]`;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  /** Whether the next tokens are these keywords (case-insensitive), without consuming them. */
  isWord(...words: string[]): boolean {
    return words.every((word, i) => {
      const token = this.peek(i);
      return token !== undefined && token.kind === 'word' && !token.quoted && token.upper === word;
    });
  }

  acceptWord(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.position += words.length;
    return true;
  }

  expectWord(...words: string[]): void {
    for (const word of words) {
      if (!this.acceptWord(word)) throw this.error();
    }
  }

  acceptOp(op: string): boolean {
    const token = this.peek();
    if (token === undefined || token.kind !== 'op' || token.text !== op) return false;
    this.position++;
    return true;
  }

  expectOp(op: string): void {
    if (!this.acceptOp(op)) throw this.error();
  }

  /** An identifier (unquoted words are lower-cased, as CockroachDB normalizes them). */
  identifier(): string {
    const token = this.peek();
    if (token === undefined || token.kind !== 'word') throw this.error();
    this.position++;
    return token.text;
  }

  /** A name given either as an identifier or as a string/placeholder (label_spec in sql.y). */
  nameOrString(): string {
    const token = this.peek();
    if (token !== undefined && token.kind === 'word') return this.identifier();
    const value = this.operand();
    if (value.kind === 'null') throw this.error();
    return value.text;
  }

  /** A string literal or a placeholder bound to a string (string_or_placeholder in sql.y). */
  stringOrPlaceholder(): string {
    const token = this.peek();
    if (token === undefined || (token.kind !== 'string' && token.kind !== 'placeholder')) throw this.error();
    const value = this.operand();
    if (value.kind === 'null') throw new SqlError(SqlState.invalidParameterValue, 'expected string value, got NULL');
    return value.text;
  }

  /** A literal (string, number, NULL, TRUE/FALSE), optionally negative, or a bound placeholder. */
  operand(): Operand {
    const token = this.peek();
    if (token === undefined) throw this.error();
    if (token.kind === 'string' || token.kind === 'number') {
      this.position++;
      return this.withCast({ kind: token.kind, text: token.text });
    }
    if (token.kind === 'op' && token.text === '-' && this.peek(1)?.kind === 'number') {
      this.position += 2;
      return { kind: 'number', text: `-${(this.tokens[this.position - 1] as { text: string }).text}` };
    }
    if (token.kind === 'placeholder') {
      this.position++;
      if (token.index < 1 || token.index > this.params.length) {
        throw new SqlError(SqlState.protocolViolation, `no value provided for placeholder: $${token.index}`);
      }
      const value = this.params[token.index - 1];
      return this.withCast(value === null ? { kind: 'null' } : { kind: 'string', text: value });
    }
    if (token.kind === 'word' && !token.quoted && token.upper === 'NULL') {
      this.position++;
      return { kind: 'null' };
    }
    if (token.kind === 'word' && !token.quoted && (token.upper === 'TRUE' || token.upper === 'FALSE')) {
      this.position++;
      return { kind: 'string', text: token.upper.toLowerCase() };
    }
    throw this.error();
  }

  /** `::TYPE` casts after a literal are accepted and ignored (values compare by column type). */
  private withCast(operand: Operand): Operand {
    while (this.acceptOp('::')) this.identifier();
    return operand;
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.error();
  }

  /** The syntax error at the current token. */
  error(): SqlError {
    const token = this.peek();
    return syntaxError(token === undefined ? undefined : tokenText(token));
  }
}

/**
 * `[WITH [OPTIONS] [(] <option> [, <option>]... [)]]`, as BACKUP and RESTORE take their
 * options (pkg/sql/parser/sql.y, opt_with_backup_options / opt_with_restore_options).
 */
export function parseWithOptions(cursor: Cursor, parseOption: (cursor: Cursor) => void): void {
  if (!cursor.acceptWord('WITH')) return;
  const parenthesized = cursor.acceptWord('OPTIONS') ? (cursor.expectOp('('), true) : cursor.acceptOp('(');
  do parseOption(cursor);
  while (cursor.acceptOp(','));
  if (parenthesized) cursor.expectOp(')');
}
