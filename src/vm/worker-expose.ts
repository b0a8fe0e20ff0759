// A worker's side of the control plane: its API exposed with comlink on the worker's own port (a
// Web Worker's scope, or worker_threads' parentPort), then BOOTED, which the host waits for.
import * as Comlink from 'comlink';
import { BOOTED } from './protocol.ts';

export async function exposeWorker(api: object): Promise<void> {
  if ('WorkerGlobalScope' in globalThis) {
    Comlink.expose(api);
    postMessage(BOOTED);
    return;
  }
  const threads = 'node:worker_threads';
  const { parentPort } = await import(/* @vite-ignore */ /* webpackIgnore: true */ threads);
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  Comlink.expose(api, nodeEndpoint(parentPort));
  parentPort.postMessage(BOOTED);
}
