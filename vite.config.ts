import { defineConfig } from 'vitest/config';

// SharedArrayBuffer (the shared WebAssembly.Memory) needs a cross-origin isolated page.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: '.',
  server: { headers: isolation },
  preview: { headers: isolation },
  test: {
    include: ['test/node/**/*.test.ts'],
    pool: 'forks',
  },
});
