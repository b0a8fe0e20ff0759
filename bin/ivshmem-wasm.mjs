#!/usr/bin/env node
// ivshmem-wasm's command line: `ivshmem-wasm sdm-relay --port N` (src/relay/cli.ts). In a checkout
// (tsx installed) it runs the TypeScript sources, so it is never a stale build; an installed
// package runs the built library.
let cli;
try {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/relay/cli.ts', import.meta.url).href);
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('tsx')) throw error;
  cli = await import(new URL('../dist/src/relay/cli.js', import.meta.url).href);
}
await cli.main(process.argv.slice(2));
