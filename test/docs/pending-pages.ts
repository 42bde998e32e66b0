/**
 * Pages that other branches of this release add (job following #24,
 * keyless credentials #25). The README links to them already; delete each entry when its
 * page lands (test/docs/links.test.ts fails until you do).
 */
export const PAGES_FROM_OTHER_BRANCHES: readonly string[] = ['docs/job-following.md', 'docs/credentials.md'];
