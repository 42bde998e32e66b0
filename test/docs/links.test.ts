import * as fs from 'fs';
import * as path from 'path';
import { guideFiles, headingAnchors, readGuideFile, relativeLinks } from './markdown';
import { PROJECT_ROOT } from './props';

describe('links of the README and docs/', () => {
  test('fails if the guide has no relative link to check (the parser found nothing)', () => {
    expect(guideFiles().flatMap((file) => relativeLinks(readGuideFile(file))).length).toBeGreaterThan(0);
  });

  test.each(guideFiles())('fails if a relative link of %s points to a missing file or anchor', (file) => {
    const broken: string[] = [];
    for (const link of relativeLinks(readGuideFile(file))) {
      const [target, anchor] = link.target.split('#', 2);
      const resolved = target === '' ? path.join(PROJECT_ROOT, file) : path.resolve(PROJECT_ROOT, path.dirname(file), decodeURI(target));
      if (!fs.existsSync(resolved)) {
        broken.push(`line ${link.line}: ${link.target} (no such file)`);
      } else if (anchor !== undefined && !headingAnchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push(`line ${link.line}: ${link.target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
