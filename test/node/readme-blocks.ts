// The README's code blocks, for the tests that run them as written, so the docs cannot drift.
import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The first `count` ```ts blocks after `heading`. */
export function codeBlocksAfter(heading: string, count: number): string[] {
  return blocksAfter(readme, heading, count, 'ts');
}

/** The first `count` ```LANG blocks after `heading` in a file of docs/. */
export function docBlocksAfter(doc: string, heading: string, count: number, lang: string): string[] {
  return blocksAfter(readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8'), heading, count, lang);
}

function blocksAfter(text: string, heading: string, count: number, lang: string): string[] {
  const at = text.indexOf(heading);
  if (at < 0) throw new Error(`no heading '${heading}'`);
  return [...text.slice(at).matchAll(new RegExp(`\`\`\`${lang}\n([\\s\\S]*?)\`\`\``, 'g'))].slice(0, count).map((m) => m[1]);
}
