import { fencedBlocks, readGuideFile } from './markdown';

/** The restore runbook, relative to the project root. */
export const RUNBOOK = 'docs/restore.md';

export interface RunbookStatement {
  /** Line of the statement's first line in the runbook. */
  readonly line: number;
  /** The statement without comments and trailing semicolon, whitespace collapsed. */
  readonly text: string;
}

/**
 * The SQL statements of the runbook's ```sql blocks, in order: `--` comments dropped,
 * split at semicolons outside string literals.
 */
export function runbookStatements(markdown = readGuideFile(RUNBOOK)): RunbookStatement[] {
  const statements: RunbookStatement[] = [];
  for (const block of fencedBlocks(markdown).filter((b) => b.language === 'sql')) {
    let text = '';
    let start: number | undefined;
    let quoted = false;
    block.code.split('\n').forEach((rawLine, index) => {
      for (let i = 0; i < rawLine.length; i++) {
        const char = rawLine[i];
        if (!quoted && char === '-' && rawLine[i + 1] === '-') break;
        if (char === "'") quoted = !quoted;
        if (!quoted && char === ';') {
          if (text.trim() !== '') statements.push({ line: start!, text: text.replace(/\s+/g, ' ').trim() });
          text = '';
          start = undefined;
          continue;
        }
        if (start === undefined && char.trim() !== '') start = block.firstLine + index;
        text += char;
      }
      text += '\n';
    });
    if (text.trim() !== '') throw new Error(`${RUNBOOK}:${start}: statement without a closing semicolon: ${text.trim()}`);
  }
  return statements;
}

/** The shell blocks of the runbook (```sh), in order. */
export function runbookShellBlocks(markdown = readGuideFile(RUNBOOK)): string[] {
  return fencedBlocks(markdown)
    .filter((b) => b.language === 'sh')
    .map((b) => b.code);
}
