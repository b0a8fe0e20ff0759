import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vitest/config';

const page = (name: string) => fileURLToPath(new URL(`./web/${name}`, import.meta.url));

// Static hosts that cannot send the two headers below: coi-serviceworker re-serves the site from a
// service worker that adds them. The pages load it; with the headers present it does nothing.
function crossOriginIsolationFallback(): Plugin {
  const source = () => readFileSync(createRequire(import.meta.url).resolve('coi-serviceworker/coi-serviceworker.min.js'));
  return {
    name: 'coi-serviceworker',
    configureServer(server) {
      server.middlewares.use('/coi-serviceworker.js', (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript');
        res.end(source());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'coi-serviceworker.js', source: source() });
    },
  };
}

// The SDM relay (src/relay/), served by the dev and preview servers at /sdm-relay for virtio-sdm's
// socket channel; browsers are let in only from the server's own origin.
function sdmRelay(): Plugin {
  const attach = async (server: { httpServer: unknown }) => {
    if (!server.httpServer) return;
    const { attachRelay } = await import('./src/relay/server.ts');
    attachRelay(server.httpServer as import('node:http').Server, '/sdm-relay');
  };
  return { name: 'sdm-relay', configureServer: attach, configurePreviewServer: attach };
}

// The Linux guests' images (npm run build:linux, in build/linux/): served at linux/ by the dev
// server, copied into the site by a build. Without them the Linux scenarios say how to make them.
function linuxImages(): Plugin {
  const dir = fileURLToPath(new URL('./build/linux/', import.meta.url));
  const files = ['vmlinuz', 'initramfs.cpio', 'bios.bin', 'vgabios.bin'];
  return {
    name: 'linux-images',
    configureServer(server) {
      server.middlewares.use('/linux', (req, res, next) => {
        const name = (req.url ?? '').replace(/^\/|\?.*$/g, '');
        if (!files.includes(name) || !existsSync(dir + name)) return next();
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(readFileSync(dir + name));
      });
    },
    generateBundle() {
      for (const name of files) {
        if (existsSync(dir + name)) this.emitFile({ type: 'asset', fileName: `linux/${name}`, source: readFileSync(dir + name) });
      }
    },
  };
}

// SharedArrayBuffer (the shared WebAssembly.Memory) needs a cross-origin isolated page.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// `import url from './program.ts?program'`: the URL of a guest program (relative to the page), an
// ES module a VM worker imports at run time. Served as is in development; in a build, emitted as
// programs/NAME.js with its exports kept (a `?worker` bundle would drop the default export).
function guestPrograms(): Plugin {
  const PREFIX = '\0guest-program:';
  let serving = true;
  return {
    name: 'ivshmem-guest-programs',
    enforce: 'pre',
    configResolved(config) {
      serving = config.command === 'serve';
    },
    async resolveId(source, importer) {
      if (!source.endsWith('?program')) return null;
      const resolved = await this.resolve(source.slice(0, -'?program'.length), importer);
      return resolved ? PREFIX + resolved.id : null;
    },
    load(id) {
      if (!id.startsWith(PREFIX)) return null;
      const file = id.slice(PREFIX.length);
      if (serving) return `export default ${JSON.stringify(`/@fs${file}`)};`;
      const fileName = `programs/${file.split('/').pop()!.replace(/\.[cm]?[jt]s$/, '')}.js`;
      this.emitFile({ type: 'chunk', id: file, fileName, preserveSignature: 'strict' });
      return `export default ${JSON.stringify(`./${fileName}`)};`;
    },
  };
}

export default defineConfig({
  root: 'web',
  // Relative asset URLs: the built site runs wherever it is put (a domain's root, or a project
  // page's subfolder such as /ivshmem-wasm/).
  base: './',
  plugins: [crossOriginIsolationFallback(), guestPrograms(), sdmRelay(), linuxImages()],
  server: { headers: isolation, fs: { allow: ['..'] } },
  preview: { headers: isolation },
  worker: { format: 'es' },
  // The Node path of spawning a VM (src/vm/worker-thread.ts, held by spawn.ts beside the browser's)
  // imports esbuild at run time (src/vm/node-bundle.ts). Left to discovery, the dev server
  // pre-bundled it on a cold start while a page was loading and reloaded the page under it (the
  // conformance spec failed on a fresh clone: "Execution context was destroyed").
  // v86 and xterm are first imported by the Linux scenarios (v86 only in their workers): found
  // then, they would be pre-bundled mid-session and the page reloaded under it.
  optimizeDeps: { exclude: ['esbuild'], include: ['v86', '@xterm/xterm'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    target: 'es2022',
    // Which file each source module became: the static-site test checks what the first screen loads.
    manifest: true,
    // The editor's chunk (CodeMirror with its TypeScript mode, about 510 kB) is loaded only when the
    // playground opens; the first screen's own chunk is under 100 kB.
    chunkSizeWarningLimit: 600,
    rollupOptions: { input: { index: page('index.html'), conformance: page('conformance.html'), bench: page('bench.html') } },
  },
  test: {
    root: '.',
    include: ['test/node/**/*.test.ts'],
    pool: 'forks',
    // Worker tests give themselves explicit budgets; this bounds the rest on a loaded machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
