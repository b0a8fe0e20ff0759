// `npm run build:lib`: the library as the package ships it, in dist/. tsc emits JavaScript and
// types (rewriting relative imports from .ts to .js), the core goes beside it, and then one thing
// tsc leaves alone: a worker's entry, `new Worker(new URL('../vm-worker.ts', import.meta.url))`,
// names the TypeScript source the app's dev server serves; a bundler that builds a page from the
// package must find the shipped `.js` (same length: the source maps stay true).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/build', { recursive: true });
copyFileSync('build/ivshmem.wasm', 'dist/build/ivshmem.wasm');

const WORKER_URL = /new URL\('(\.{1,2}\/[\w./-]+)\.ts', import\.meta\.url\)/g;
for (const entry of readdirSync('dist/src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = join(entry.parentPath, entry.name);
  const source = readFileSync(file, 'utf8');
  const built = source.replace(WORKER_URL, "new URL('$1.js', import.meta.url)");
  if (built !== source) writeFileSync(file, built);
}
