import { Example, ExampleDiagnostic, guideExamples, PACKAGE_NAME, typeCheckExamples } from './compile-examples';

/** A deliberately wrong example, checked in the same program to show the check can fail. */
const BROKEN: Example = {
  origin: 'broken example',
  firstLine: 100,
  code: [`import { CockroachBackup } from '${PACKAGE_NAME}';`, `import { Stack } from 'aws-cdk-lib';`, '', `new CockroachBackup(new Stack(), 'Backup', { collection: 42 });`].join('\n'),
};

function describeDiagnostics(diagnostics: readonly ExampleDiagnostic[]): string {
  return diagnostics.map((d) => `${d.origin}${d.line === undefined ? '' : ` (line ${d.line})`}: ${d.message}`).join('\n');
}

describe('TypeScript examples of the README and docs/', () => {
  const examples = guideExamples();
  // One program for all (aws-cdk-lib's declarations load once): about 10 s on 2 cores.
  const diagnostics = examples.length === 0 ? [] : typeCheckExamples([...examples, BROKEN]);

  test('fails if the README has no TypeScript example', () => {
    expect(examples.filter((e) => e.origin.startsWith('README.md:')).length).toBeGreaterThan(0);
  });

  test('fails if an example does not import from the package name', () => {
    const withoutPackage = examples.filter((e) => e.code.includes('CockroachBackup') && !e.code.includes(`from '${PACKAGE_NAME}'`));
    expect(withoutPackage.map((e) => e.origin)).toEqual([]);
  });

  test('fails if an example does not type-check against the public API', () => {
    const errors = diagnostics.filter((d) => d.origin !== BROKEN.origin);
    expect(describeDiagnostics(errors)).toBe('');
  });

  test('reports a type error of a broken example with its Markdown line', () => {
    const broken = diagnostics.filter((d) => d.origin === BROKEN.origin);
    expect(broken.map((d) => d.line)).toEqual([103]);
    expect(broken[0].message).toMatch(/number.*string/);
  });
});
