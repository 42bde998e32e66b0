import * as path from 'path';
import * as ts from 'typescript';
import { fencedBlocks, guideFiles, readGuideFile } from './markdown';
import { PROJECT_ROOT } from './props';

/** The package name examples import from, as users of the published package do. */
export const PACKAGE_NAME = 'cockroach-backup-cdk';

export interface Example {
  /** Where the example comes from, for messages, e.g. `README.md:120`. */
  readonly origin: string;
  /** Line in the Markdown file of the example's first line. */
  readonly firstLine: number;
  readonly code: string;
}

/**
 * Every ```ts / ```typescript block of the guide (README.md, then docs/*.md): the examples
 * test/docs type-checks against lib/ and the package test compiles in a consumer's app.
 */
export function guideExamples(): Example[] {
  return guideFiles().flatMap((file) =>
    fencedBlocks(readGuideFile(file))
      .filter((block) => block.language === 'ts' || block.language === 'typescript')
      .map((block) => ({ origin: `${file}:${block.firstLine}`, firstLine: block.firstLine, code: block.code })),
  );
}

export interface ExampleDiagnostic {
  readonly origin: string;
  /** Line in the Markdown file, when the diagnostic has a position. */
  readonly line?: number;
  readonly message: string;
}

/**
 * Type-checks the examples in one in-process program (aws-cdk-lib's declarations are
 * loaded once for all). Each example is a virtual module in a directory of the project,
 * so `aws-cdk-lib` and `constructs` resolve from node_modules, and the package name maps
 * to lib/index.ts, the public API. Options follow tsconfig.json's strictness; unused
 * names are allowed, since an example may show a value without using it.
 */
export function typeCheckExamples(examples: readonly Example[]): ExampleDiagnostic[] {
  const directory = path.join(PROJECT_ROOT, 'test', 'docs', '__examples__');
  const files = new Map(examples.map((example, index) => [path.join(directory, `example-${index}.ts`), example]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2022.d.ts'],
    strict: true,
    noImplicitReturns: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    baseUrl: PROJECT_ROOT,
    paths: { [PACKAGE_NAME]: ['lib/index.ts'] },
  };
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  // `export {}` makes every example a module, so two examples may declare the same names.
  host.getSourceFile = (file, language, onError) => {
    const example = files.get(path.resolve(file));
    if (example === undefined) return getSourceFile(file, language, onError);
    return ts.createSourceFile(file, `${example.code}\nexport {};\n`, language);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const diagnostics: ExampleDiagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map((d) => ({
    origin: 'compiler options',
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
  for (const [file, example] of files) {
    const source = program.getSourceFile(file)!;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = d.start === undefined ? undefined : example.firstLine + source.getLineAndCharacterOfPosition(d.start).line;
      diagnostics.push({ origin: example.origin, line, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') });
    }
  }
  return diagnostics;
}
