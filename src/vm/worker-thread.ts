// Starting a VM worker: a module Web Worker in the browser, a worker_threads Worker in Node (run
// through tsx when the sources are TypeScript, as under the test runner).
import type { Endpoint } from 'comlink';

export interface WorkerThread {
  endpoint: Endpoint;
  terminate(): Promise<void>;
  /** settles with the reason if the worker dies on its own (an uncaught error, its thread exiting) */
  exited: Promise<string>;
}

const inNode = typeof process !== 'undefined' && !!process.versions?.node && !('WorkerGlobalScope' in globalThis) && typeof window === 'undefined';

export async function startWorkerThread(): Promise<WorkerThread> {
  let died!: (reason: string) => void;
  const exited = new Promise<string>((resolve) => { died = resolve; });
  if (!inNode) {
    const worker = new Worker(new URL('./vm-worker.ts', import.meta.url), { type: 'module', name: 'ivshmem-vm' });
    worker.addEventListener('error', (event) => died(`the VM's worker failed: ${event.message}`));
    return { endpoint: worker, terminate: async () => worker.terminate(), exited };
  }
  const threads = 'node:worker_threads';
  const { Worker: NodeWorker } = await import(/* @vite-ignore */ threads);
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  const source = new URL(import.meta.url.endsWith('.ts') ? './vm-worker.ts' : './vm-worker.js', import.meta.url);
  // Node 20 does not apply --import hooks to a worker's entry module, so TypeScript sources are
  // loaded by registering tsx inside the worker first.
  // A worker inherits the parent's Node flags; those about the parent's own entry (--input-type,
  // --eval) would stop the worker from starting.
  const execArgv = process.execArgv.filter((flag) => !/^--(input-type|eval|print)\b/.test(flag));
  const worker = source.pathname.endsWith('.ts')
    ? new NodeWorker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source.href)}); })`, { eval: true, execArgv })
    : new NodeWorker(source, { execArgv });
  let terminating = false;
  worker.on('error', (error: Error) => died(`the VM's worker failed: ${error.message}`));
  worker.on('exit', (code: number) => { if (!terminating) died(`the VM's thread exited (code ${code})`); });
  return {
    endpoint: nodeEndpoint(worker),
    terminate: async () => {
      terminating = true;
      await worker.terminate();
    },
    exited,
  };
}
