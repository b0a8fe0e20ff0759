#!/usr/bin/env node
// ivshmem-wasm's command line (src/relay/cli.ts). In a checkout, where the TypeScript sources sit
// beside bin/, it runs them through tsx (a devDependency), so it is never a stale build. The
// package ships the built library without src/, so an installed one runs dist/ and never needs tsx
// (which a user's project may well have: its presence says nothing about where we run).
import { existsSync } from 'node:fs';

const source = new URL('../src/relay/cli.ts', import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(source.href);
} else {
  cli = await import(new URL('../dist/src/relay/cli.js', import.meta.url).href);
}
await cli.main(process.argv.slice(2));
