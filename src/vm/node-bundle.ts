// Node only: a TypeScript module bundled into one JavaScript module (esbuild, which tsx brings),
// so that a worker can load it without registering a TypeScript loader, which costs each worker a
// few hundred milliseconds of CPU and some megabytes (256 VMs, or 1024 benchmark peers, cannot
// afford it). The bundle is written next to node_modules so that what it leaves out still resolves.

const bundles = new Map<string, Promise<URL>>();

/** The bundle of `source` (a file: URL of a .ts module), made once per process. */
export function bundleForNode(source: URL, external: string[] = []): Promise<URL> {
  let bundle = bundles.get(source.href);
  if (!bundle) {
    bundle = build(source, external);
    bundles.set(source.href, bundle);
  }
  return bundle;
}

async function build(source: URL, external: string[]): Promise<URL> {
  const [{ build: esbuild }, { mkdir, writeFile, rename }, { createHash }, { basename }] = await Promise.all([
    import(/* @vite-ignore */ /* webpackIgnore: true */ 'esbuild'), import(/* webpackIgnore: true */ 'node:fs/promises'),
    import(/* webpackIgnore: true */ 'node:crypto'), import(/* webpackIgnore: true */ 'node:path'),
  ]);
  const result = await esbuild({
    entryPoints: [source.pathname], bundle: true, format: 'esm', platform: 'node', write: false, external, logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const dir = new URL(/* @vite-ignore */ /* webpackIgnore: true */ '../../node_modules/.cache/ivshmem-wasm/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const name = basename(source.pathname).replace(/\.[cm]?tsx?$/, '');
  const file = new URL(`${name}-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`, dir);
  // Several test processes may write it at once: each writes its own file and renames it.
  const temporary = new URL(`${file.pathname}.${process.pid}`, 'file://');
  await writeFile(temporary, code);
  await rename(temporary, file);
  return file;
}
