// Node: a guest program bundled into one JavaScript module (esbuild), so that 1024 peer workers
// load it without each registering a TypeScript loader (a few hundred milliseconds of CPU and
// some megabytes apiece). Written next to node_modules, so what it leaves out still resolves.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';

export async function bundle(source: URL): Promise<URL> {
  const result = await build({ entryPoints: [source.pathname], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
  const dir = new URL('../../node_modules/.cache/ivshmem-wasm-bench/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${source.pathname.split('/').pop()!.replace(/\.[cm]?tsx?$/, '')}-${process.pid}.mjs`, dir);
  await writeFile(file, result.outputFiles[0].contents);
  return file;
}
