import { defineConfig } from 'vitest/config';

// SharedArrayBuffer (the shared WebAssembly.Memory) needs a cross-origin isolated page.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: 'web',
  server: { headers: isolation, fs: { allow: ['..'] } },
  preview: { headers: isolation },
  worker: { format: 'es' },
  build: {
    outDir: '../dist-web',
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: { input: { index: 'web/index.html', conformance: 'web/conformance.html' } },
  },
  test: {
    root: '.',
    include: ['test/node/**/*.test.ts'],
    pool: 'forks',
  },
});
