import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** What the README's prop tables must say about one prop of a props interface. */
export interface DocumentedProp {
  readonly name: string;
  readonly optional: boolean;
  /** The type as written in the source, e.g. `s3.IBucket`. */
  readonly type: string;
  /** The `@default` tag's text with whitespace collapsed; undefined when there is none. */
  readonly defaultText?: string;
}

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Collapses runs of whitespace (TSDoc wraps lines) so texts compare as prose. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The props of an exported interface, in declaration order, read with the TypeScript
 * compiler API from the source file (relative to the project root).
 */
export function interfaceProps(sourceFile: string, interfaceName: string): DocumentedProp[] {
  const file = path.join(PROJECT_ROOT, sourceFile);
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const declaration = source.statements.find(
    (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === interfaceName,
  );
  if (declaration === undefined) throw new Error(`${sourceFile} declares no interface ${interfaceName}`);
  return declaration.members.filter(ts.isPropertySignature).map((member) => {
    const defaultTag = ts.getJSDocTags(member).find((tag) => tag.tagName.text === 'default');
    const comment = defaultTag === undefined ? undefined : ts.getTextOfJSDocComment(defaultTag.comment);
    return {
      name: member.name.getText(source),
      optional: member.questionToken !== undefined,
      type: member.type === undefined ? '' : collapseWhitespace(member.type.getText(source)),
      defaultText: comment === undefined ? undefined : collapseWhitespace(comment),
    };
  });
}
