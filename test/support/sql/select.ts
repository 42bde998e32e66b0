import { Column } from '../wire/backend-messages';
import { Cursor, Operand } from './cursor';
import { SqlError, SqlState } from './sql-error';
import { ResultSet, Row, Value, coerce, compareValues, rowsResult } from './values';

/** A virtual table the evaluator can read. */
export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  rows(): readonly Row[];
}

type Predicate = (row: Row) => boolean;

/**
 * A small SELECT over one virtual table or `[SHOW ...]` source: a projection of listed columns or `*`,
 * WHERE as a conjunction of `col op value`, `col [NOT] IN (...)`, `col [NOT] LIKE v`,
 * `col IS [NOT] NULL`, then ORDER BY and LIMIT. Values are literals or $n parameters,
 * compared as the column's type (INT8 as BigInt, timestamps as instants).
 * Called after FROM's table was chosen by the caller (the cursor is at SELECT).
 */
export function evaluateSelect(cursor: Cursor, lookup: (name: string) => Table | undefined): ResultSet {
  cursor.expectWord('SELECT');
  const projection = parseProjection(cursor);
  cursor.expectWord('FROM');
  const tableName = cursor.acceptOp('[') ? cursor.bracketedStatement() : qualifiedName(cursor);
  const table = lookup(tableName);
  if (table === undefined) throw new SqlError('42P01', `relation "${tableName}" does not exist`);
  const column = (name: string): Column => {
    const found = table.columns.find((c) => c.name === name);
    if (found === undefined) throw new SqlError(SqlState.undefinedColumn, `column "${name}" does not exist`);
    return found;
  };

  const predicates: Predicate[] = [];
  if (cursor.acceptWord('WHERE')) {
    do predicates.push(parsePredicate(cursor, column));
    while (cursor.acceptWord('AND'));
  }
  const order: { column: string; descending: boolean }[] = [];
  if (cursor.acceptWord('ORDER', 'BY')) {
    do {
      const name = column(cursor.identifier()).name;
      const descending = cursor.acceptWord('DESC');
      if (!descending) cursor.acceptWord('ASC');
      order.push({ column: name, descending });
    } while (cursor.acceptOp(','));
  }
  let limit: number | undefined;
  if (cursor.acceptWord('LIMIT')) {
    const value = cursor.operand();
    if (value.kind === 'null' || !/^\d+$/.test(value.text)) throw new SqlError('22P02', 'LIMIT must be a non-negative integer');
    limit = Number(value.text);
  }
  cursor.expectEnd();

  const columns = projection === '*' ? table.columns : projection.map(column);
  let rows = table.rows().filter((row) => predicates.every((p) => p(row)));
  if (order.length > 0) {
    rows = [...rows].sort((a, b) => {
      for (const { column: name, descending } of order) {
        const c = compareValues(a[name] ?? null, b[name] ?? null);
        if (c !== 0) return descending ? -c : c;
      }
      return 0;
    });
  }
  if (limit !== undefined) rows = rows.slice(0, limit);
  return rowsResult(
    columns,
    rows.map((row) => columns.map((c) => row[c.name] ?? null)),
  );
}

function parseProjection(cursor: Cursor): '*' | string[] {
  if (cursor.acceptOp('*')) return '*';
  const names: string[] = [];
  do names.push(cursor.identifier());
  while (cursor.acceptOp(','));
  return names;
}

function qualifiedName(cursor: Cursor): string {
  let name = cursor.identifier();
  while (cursor.acceptOp('.')) name += `.${cursor.identifier()}`;
  return name;
}

/**
 * The statement a SELECT reads as its data source (`SELECT ... FROM [<statement>]`), as
 * Cursor.bracketedStatement names it; undefined when the source is a table. The cursor is
 * at SELECT and is moved.
 */
export function dataSourceStatement(cursor: Cursor): string | undefined {
  cursor.expectWord('SELECT');
  while (!cursor.atEnd() && !cursor.isWord('FROM')) skip(cursor);
  cursor.expectWord('FROM');
  return cursor.acceptOp('[') ? cursor.bracketedStatement() : undefined;
}

function skip(cursor: Cursor): void {
  if (cursor.peek()?.kind === 'word') cursor.identifier();
  else if (!cursor.acceptOp(cursor.peek()?.text ?? '')) cursor.operand();
}

function parsePredicate(cursor: Cursor, column: (name: string) => Column): Predicate {
  const target = column(cursor.identifier());
  const value = (operand: Operand): Value => (operand.kind === 'null' ? null : coerce(operand.text, target.type));
  const cell = (row: Row): Value => row[target.name] ?? null;

  if (cursor.acceptWord('IS')) {
    const negated = cursor.acceptWord('NOT');
    cursor.expectWord('NULL');
    return (row) => (cell(row) === null) !== negated;
  }
  const negated = cursor.acceptWord('NOT');
  if (cursor.acceptWord('IN')) {
    cursor.expectOp('(');
    const values: Value[] = [];
    do values.push(value(cursor.operand()));
    while (cursor.acceptOp(','));
    cursor.expectOp(')');
    return (row) => {
      const v = cell(row);
      return v !== null && values.some((x) => x !== null && compareValues(v, x) === 0) !== negated;
    };
  }
  if (cursor.acceptWord('LIKE')) {
    const pattern = cursor.operand();
    if (pattern.kind === 'null') return () => false;
    const regex = likeToRegExp(pattern.text);
    return (row) => {
      const v = cell(row);
      return v !== null && regex.test(String(v)) !== negated;
    };
  }
  if (negated) throw cursor.error();
  const operators = ['=', '!=', '<>', '<', '<=', '>', '>='];
  const op = operators.find((o) => cursor.acceptOp(o));
  if (op === undefined) throw cursor.error();
  const right = value(cursor.operand());
  return (row) => {
    const v = cell(row);
    if (v === null || right === null) return false; // SQL NULL comparisons are never true
    const c = compareValues(v, right);
    switch (op) {
      case '=':
        return c === 0;
      case '!=':
      case '<>':
        return c !== 0;
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      default:
        return c >= 0;
    }
  };
}

/** LIKE: `%` any run, `_` one character, backslash escapes the next character. */
export function likeToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i]);
    } else if (c === '%') {
      source += '[\\s\\S]*';
    } else if (c === '_') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(c);
    }
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
