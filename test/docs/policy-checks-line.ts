import { fencedBlocks, guideFiles, readGuideFile } from './markdown';

/** A rule as the guide names it: cdk-nag's `AwsSolutions-S1` or a Control Tower control `CT.S3.PR.9`. */
const RULE = /^(AwsSolutions-[A-Z0-9]+|CT\.[A-Z0-9]+\.PR\.[0-9]+)$/;

export interface GuideExample {
  /** `<file>:<line>` of the example's first line of code. */
  readonly origin: string;
  readonly firstLine: number;
  readonly code: string;
  /** The "Policy checks:" line right after the example, if any. */
  readonly checksLine?: string;
}

/**
 * The TypeScript examples of one guide file, each with the "Policy checks: ..." line that
 * follows it, which names in backticks every rule the two policy packs report on it.
 */
export function examplesOf(file: string): GuideExample[] {
  const lines = readGuideFile(file).split('\n');
  return fencedBlocks(lines.join('\n'))
    .filter((block) => block.language === 'ts' || block.language === 'typescript')
    .map((block) => {
      const closingFence = block.firstLine - 1 + block.code.split('\n').length; // 0-based index of the closing fence
      const next = lines.slice(closingFence + 1).find((line) => line.trim() !== '');
      return { origin: `${file}:${block.firstLine}`, firstLine: block.firstLine, code: block.code, checksLine: next?.startsWith('Policy checks') ? next : undefined };
    });
}

/** Every TypeScript example of README.md and docs/. */
export function guideExamples(): GuideExample[] {
  return guideFiles().flatMap(examplesOf);
}

/** The rules a line names in backticks, once each, sorted. */
export function namedRules(line: string): string[] {
  return [...new Set([...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((word) => RULE.test(word)))].sort();
}

/** Examples that use the construct (the policy-pack snippet builds no stack). */
export const usesConstruct = (example: { readonly code: string }): boolean => /new CockroachBackup\b/.test(example.code);
