// `npm run build:lib`: the library as the package ships it, in dist/. tsc emits JavaScript and
// types (rewriting relative imports from .ts to .js), the core goes beside it, and then:
// - a worker's entry, `new Worker(new URL('../vm-worker.ts', import.meta.url))`, names the
//   TypeScript source the app's dev server serves; a bundler that builds a page from the package
//   must find the shipped `.js` (same length: the source maps stay true); a URL of an asset the
//   package does not ship is hidden from bundlers;
// - each worker gets a bundle of its own for Node (`<name>.node.js`, what src/vm/worker-thread.ts
//   starts there): a worker that loads one file boots in about half the time of one that loads
//   the fifty modules it imports (44-53 ms against 92 ms to its first message, a bare worker
//   38-47 ms, on the 2-core machine of the README's figures).
import { execFileSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
mkdirSync('dist/build', { recursive: true });
copyFileSync('build/ivshmem.wasm', 'dist/build/ivshmem.wasm');

const WORKER_URL = /new URL\('(\.{1,2}\/[\w./-]+)\.ts', import\.meta\.url\)/g;
const ASSET_URL = /new URL\('(\.{1,2}\/[^']+)', import\.meta\.url\)/g;
for (const entry of readdirSync('dist/src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
  const file = join(entry.parentPath, entry.name);
  const source = readFileSync(file, 'utf8');
  // An asset the package does not ship (v86's .wasm, in the app's node_modules) is not a page's
  // bundler's to find: webpack would fail the build on it, Vite warn.
  const built = source.replace(WORKER_URL, "new URL('$1.js', import.meta.url)").replace(ASSET_URL, (url, path) => (
    existsSync(join(entry.parentPath, path)) ? url : `new URL(/* @vite-ignore */ /* webpackIgnore: true */ '${path}', import.meta.url)`
  ));
  if (built !== source) writeFileSync(file, built);
}

for (const name of ['vm-worker', 'linux-worker']) {
  buildSync({
    entryPoints: [`dist/src/${name}.js`], outfile: `dist/src/${name}.node.js`, bundle: true, format: 'esm', platform: 'node',
    // the optional peers stay where the user installed them
    external: ['v86', 'tsx', 'tsx/*'], sourcemap: true, logLevel: 'error',
  });
}
