import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT } from './props';

/** The Markdown files of the operator's guide, relative to the project root. */
export function guideFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(PROJECT_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.posix.join('docs', name));
  return ['README.md', ...docs.sort()];
}

export function readGuideFile(relativePath: string): string {
  return fs.readFileSync(path.join(PROJECT_ROOT, relativePath), 'utf8');
}

export interface FencedBlock {
  /** The info string's first word, lower-cased (`ts`, `sh`, ...). */
  readonly language: string;
  /** 1-based line of the block's first code line in the file. */
  readonly firstLine: number;
  readonly code: string;
}

const FENCE = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/;

/** The fenced code blocks of a Markdown text, in order. An unclosed fence is an error. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (open === null) continue;
    const fence = open[1];
    const end = lines.findIndex((line, j) => j > i && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '');
    if (end === -1) throw new Error(`unclosed code fence at line ${i + 1}`);
    blocks.push({ language: open[2].toLowerCase(), firstLine: i + 2, code: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** The text with every fenced code block's lines blanked, so prose checks skip code. */
export function withoutCodeBlocks(markdown: string): string {
  const lines = markdown.split('\n');
  for (const block of fencedBlocks(markdown)) {
    const count = block.code.split('\n').length;
    for (let k = 0; k < count; k++) lines[block.firstLine - 1 + k] = '';
  }
  return lines.join('\n');
}

/**
 * The rows of the first pipe table after the heading whose text is `heading` (any
 * level), header row included, each row as its cells. Cells are trimmed; `\|` is a
 * literal pipe.
 */
export function tableAfterHeading(markdown: string, heading: string): string[][] {
  const lines = withoutCodeBlocks(markdown).split('\n');
  const start = lines.findIndex((line) => /^#{1,6}\s/.test(line) && line.replace(/^#{1,6}\s+/, '').trim() === heading);
  if (start === -1) throw new Error(`no heading "${heading}"`);
  let i = start + 1;
  while (i < lines.length && !lines[i].trim().startsWith('|')) {
    if (/^#{1,6}\s/.test(lines[i])) throw new Error(`no table under the heading "${heading}"`);
    i++;
  }
  const rows: string[][] = [];
  for (; i < lines.length && lines[i].trim().startsWith('|'); i++) {
    const cells = lines[i]
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue; // the delimiter row
    rows.push(cells);
  }
  if (rows.length === 0) throw new Error(`no table under the heading "${heading}"`);
  return rows;
}

/**
 * GitHub's anchor for a heading: lower case, Markdown emphasis and code marks dropped,
 * punctuation other than `-` and `_` removed, spaces as `-`; repeated headings get
 * `-1`, `-2`, ...
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(markdown).split('\n')) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match === null) continue;
    const base = match[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

export interface MarkdownLink {
  readonly target: string;
  readonly line: number;
}

/**
 * Links to other places of the repository or the same file: inline `[text](target)` and
 * reference definitions `[label]: target`, outside code blocks and code spans; links
 * with a scheme (`https:`, `mailto:`) are left out.
 */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutCodeBlocks(markdown)
    .split('\n')
    .forEach((line, index) => {
      const prose = line.replace(/`[^`]*`/g, '');
      const targets = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
      const definition = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(prose);
      if (definition !== null) targets.push(definition[1]);
      for (const target of targets) {
        if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ target, line: index + 1 });
      }
    });
  return links;
}
