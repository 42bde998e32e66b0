import { tableAfterHeading, readGuideFile } from './markdown';
import { collapseWhitespace, DocumentedProp, interfaceProps } from './props';

/** How a table row describes a prop. */
interface TableRow {
  readonly name: string;
  readonly type: string;
  readonly defaultText: string;
}

const REQUIRED = '*required*';

/** The page that holds the props tables until the generated API.md replaces it. */
const PROPS_PAGE = 'docs/props.md';

/** Backticks only mark code in Markdown: compare without them, whitespace collapsed. */
function plain(text: string): string {
  return collapseWhitespace(text.replace(/`/g, ''));
}

function tableRows(heading: string): TableRow[] {
  const [header, ...rows] = tableAfterHeading(readGuideFile(PROPS_PAGE), heading);
  expect(header.slice(0, 3)).toEqual(['Prop', 'Type', 'Default']);
  return rows.map((cells) => ({ name: plain(cells[0]), type: plain(cells[1]), defaultText: cells[2] }));
}

/** What the Default cell must say: the @default text, or *required* for a required prop. */
function expectedDefault(prop: DocumentedProp): string {
  return prop.optional ? plain(prop.defaultText ?? '(no @default tag)') : REQUIRED;
}

describe.each([
  { heading: '`CockroachBackupProps`', source: 'lib/cockroach-backup.ts', name: 'CockroachBackupProps' },
  { heading: '`BackupBucketOptions`', source: 'lib/backup-bucket.ts', name: 'BackupBucketOptions' },
  { heading: '`BackupObjectLock`', source: 'lib/backup-bucket.ts', name: 'BackupObjectLock' },
  { heading: '`RestoreDrillOptions`', source: 'lib/restore-drill.ts', name: 'RestoreDrillOptions' },
])('prop table of $name in docs/props.md', ({ heading, source, name }) => {
  const props = interfaceProps(source, name);
  const rows = tableRows(heading);

  test('fails if the interface has no props (the parser found nothing)', () => {
    expect(props.length).toBeGreaterThan(0);
  });

  test('fails if a prop is missing from the table or the table lists one the interface lacks', () => {
    expect(rows.map((r) => r.name)).toEqual(props.map((p) => p.name));
  });

  test('fails if a type differs from the declaration', () => {
    const types = new Map(rows.map((r) => [r.name, r.type]));
    expect(props.map((p) => [p.name, types.get(p.name)])).toEqual(props.map((p) => [p.name, p.type]));
  });

  test('fails if a Default cell differs from the @default tag (or a required prop is not marked required)', () => {
    const defaults = new Map(rows.map((r) => [r.name, r.defaultText === REQUIRED ? REQUIRED : plain(r.defaultText)]));
    expect(props.map((p) => [p.name, defaults.get(p.name)])).toEqual(props.map((p) => [p.name, expectedDefault(p)]));
  });
});
