import * as fs from 'fs';
import * as path from 'path';
import { interfaceProps, PROJECT_ROOT } from './props';

/**
 * The props reference is API.md, generated from the JSDoc by jsii-docgen (test/package/jsii.test.ts
 * fails when it is stale), so the JSDoc is the one place a prop's default is written. The AWS CDK
 * design guidelines ask for an `@default` on every optional prop: this holds every exported
 * `...Props` and `...Options` interface of lib/ to it.
 */
const LIB = path.join(PROJECT_ROOT, 'lib');

function propsInterfaces(): { source: string; name: string }[] {
  return fs
    .readdirSync(LIB, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...fs.readFileSync(path.join(LIB, file), 'utf8').matchAll(/^export interface (\w+(?:Props|Options))\b/gm)].map((m) => ({ source: `lib/${file}`, name: m[1] })),
    );
}

const interfaces = propsInterfaces();

test('finds the public props interfaces (the scan can fail)', () => {
  expect(interfaces.map((i) => i.name)).toEqual(expect.arrayContaining(['CockroachBackupProps', 'BackupBucketOptions', 'RestoreDrillOptions']));
});

test.each(interfaces.map((i) => [i.name, i] as const))('every optional prop of %s has an @default tag', (_name, { source, name }) => {
  const undocumented = interfaceProps(source, name)
    .filter((prop) => prop.optional && (prop.defaultText === undefined || prop.defaultText === ''))
    .map((prop) => prop.name);
  expect(undocumented).toEqual([]);
});
