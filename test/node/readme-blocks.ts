// The README's code blocks, for the tests that run them as written, so the docs cannot drift.
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first `count` ```ts blocks after `heading`. */
export function codeBlocksAfter(heading: string, count: number): string[] {
  const rest = readme.slice(readme.indexOf(heading));
  return [...rest.matchAll(/```ts\n([\s\S]*?)```/g)].slice(0, count).map((m) => m[1]);
}
