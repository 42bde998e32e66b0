import { readGuideFile, tableAfterHeading } from './markdown';

/**
 * The README's "Who can do what" table is a subset of docs/security.md's simulated table, which
 * test/lib/policy/security-simulation.test.ts checks against an IAM policy simulator: each README
 * row and column must name a row and column there, with the same cell, so the README cannot claim
 * what the simulator does not find.
 */

type Table = { columns: string[]; rows: Map<string, string[]> };

/** A table keyed by its first cell, with the trailing "(`action`)" of the simulated table's labels removed. */
function keyed(cells: string[][]): Table {
  const [header, , ...body] = cells;
  return { columns: header.slice(1), rows: new Map(body.map((row) => [row[0].replace(/ \(`[^`]+`.*\)$/, ''), row.slice(1)])) };
}

/** The differences: README cells that the simulated table does not hold. */
function mismatches(readme: Table, simulated: Table): string[] {
  const found: string[] = [];
  for (const [action, cells] of readme.rows) {
    const simulatedCells = simulated.rows.get(action);
    if (simulatedCells === undefined) {
      found.push(`${action}: no such row in docs/security.md`);
      continue;
    }
    readme.columns.forEach((column, i) => {
      const j = simulated.columns.indexOf(column);
      if (j === -1) found.push(`${column}: no such column in docs/security.md`);
      else if (cells[i] !== simulatedCells[j]) found.push(`${action} / ${column}: README says "${cells[i]}", the simulator "${simulatedCells[j]}"`);
    });
  }
  return found;
}

const readme = keyed(tableAfterHeading(readGuideFile('README.md'), 'Who can do what'));
const simulated = keyed(tableAfterHeading(readGuideFile('docs/security.md'), 'Who can do what'));

test('the README table names the key holder, the backup Lambda, an administrator and a deployer, on at least five actions', () => {
  expect(readme.columns).toEqual(expect.arrayContaining(['backup key (cluster)', 'backup Lambda', 'administrator', 'deployer']));
  expect(readme.rows.size).toBeGreaterThanOrEqual(5);
});

test("every cell of the README's table is the simulator's", () => {
  expect(mismatches(readme, simulated)).toEqual([]);
});

test('the check can fail: a changed cell, an unknown row and an unknown column are caught', () => {
  const [action, cells] = [...readme.rows][0];
  const flipped: Table = { columns: readme.columns, rows: new Map([[action, cells.map((c) => (c === 'yes' ? 'no' : 'yes'))]]) };
  expect(mismatches(flipped, simulated)).toHaveLength(cells.length);
  expect(mismatches({ columns: readme.columns, rows: new Map([['fly to the moon', cells]]) }, simulated)).toEqual(['fly to the moon: no such row in docs/security.md']);
  expect(mismatches({ columns: ['the cat'], rows: new Map([[action, ['yes']]]) }, simulated)).toEqual(['the cat: no such column in docs/security.md']);
});
