// Starting a VM worker: a module Web Worker in the browser, a worker_threads Worker in Node (from
// a bundle of the sources when they are TypeScript, as under the test runner).
//
// Most of a VM's start-up is the worker's own: a new JavaScript realm, the runtime's bootstrap
// and the VM's modules (in Node, ~40 ms on an idle machine and several times that loaded, plus
// a TypeScript loader's registration when running from TypeScript, which bundling avoids). So once a VM has been started, the next
// worker is started in the background and kept ready: the next spawn takes it and only sends it
// its device. The spare holds no host and no memory until then, and in Node it does not keep the
// process alive.
import type { Endpoint } from 'comlink';
import { BOOTED } from './protocol.ts';
import { bundleForNode } from './node-bundle.ts';

export interface WorkerThread {
  endpoint: Endpoint;
  terminate(): Promise<void>;
  /** settles with the reason if the worker dies on its own (an uncaught error, its thread exiting) */
  exited: Promise<string>;
}

interface Spare extends WorkerThread {
  /** a spare that is taken into use keeps the process alive again (Node) */
  claim(): void;
  dead: boolean;
  /** settles once the worker has loaded its modules and listens (vm-worker.ts says BOOTED) */
  booted: Promise<void>;
}

const inNode = typeof process !== 'undefined' && !!process.versions?.node && !('WorkerGlobalScope' in globalThis) && typeof window === 'undefined';

/**
 * A worker's entry: how the browser starts it (a `new Worker(new URL(...))` the bundler sees) and
 * its source file beside this folder for Node, as `../name.ts` (bundled) or `../name.js` (built).
 */
export interface WorkerEntry {
  browser(): Worker;
  node: string;
}

const VM_WORKER: WorkerEntry = {
  browser: () => new Worker(new URL('../vm-worker.ts', import.meta.url), { type: 'module', name: 'ivshmem-vm' }),
  node: 'vm-worker',
};

let spare: Promise<Spare> | undefined;

/**
 * Starts a spare worker if there is none, and settles once it has booted: the next spawn then
 * only hands it its device (host.prepareVm).
 */
export async function prepareSpare(): Promise<void> {
  if (!spare) {
    spare = newThread(VM_WORKER);
    spare.catch(() => {});
  }
  // The spare does not keep a Node process alive: a timer does while someone waits for it.
  const hold = setInterval(() => {}, 60_000);
  try {
    const thread = await spare?.catch(() => undefined);
    await thread?.booted;
  } finally {
    clearInterval(hold);
  }
}

/** A started VM worker: the spare if one is ready, and another spare is started behind it. */
export async function startWorkerThread(): Promise<WorkerThread> {
  // Taken before any await: spawns started together must never share one spare.
  const taken = spare;
  spare = newThread(VM_WORKER);
  spare.catch(() => {});
  const ready = taken ? await taken.catch(() => undefined) : undefined;
  const thread = ready && !ready.dead ? ready : await newThread(VM_WORKER);
  thread.claim();
  return thread;
}

/** A started worker of another kind (no spare is kept for it). */
export async function startThread(entry: WorkerEntry): Promise<WorkerThread> {
  const thread = await newThread(entry);
  thread.claim();
  return thread;
}

async function newThread(entry: WorkerEntry): Promise<Spare> {
  let died!: (reason: string) => void;
  const exited = new Promise<string>((resolve) => { died = resolve; });
  if (!inNode) {
    const worker = entry.browser();
    const booted = new Promise<void>((resolve) => {
      worker.addEventListener('message', (event) => { if (event.data === BOOTED) resolve(); });
      void exited.then(() => resolve());
    });
    const thread: Spare = {
      endpoint: worker, terminate: async () => worker.terminate(), exited, claim() {}, dead: false, booted,
    };
    worker.addEventListener('error', (event) => { thread.dead = true; died(`the VM's worker failed: ${event.message}`); });
    return thread;
  }
  const threads = 'node:worker_threads';
  const { Worker: NodeWorker } = await import(/* @vite-ignore */ /* webpackIgnore: true */ threads);
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  // A worker inherits the parent's Node flags; those about the parent's own entry (--input-type,
  // --eval) would stop the worker from starting.
  const execArgv = process.execArgv.filter((flag) => !/^--(input-type|eval|print)\b/.test(flag));
  // The worker is one bundled file, which boots in half the time of its fifty modules: made now from
  // TypeScript sources (the test runner; node-bundle.ts), by the package's build otherwise
  // (scripts/build-lib.mjs). It registers tsx only when it runs a .ts guest program (vm-worker.ts).
  // (Node only: a page's bundler is told to ignore these, or it would ship every file they match.)
  const source = import.meta.url.endsWith('.ts')
    ? await bundleForNode(new URL(/* @vite-ignore */ /* webpackIgnore: true */ `../${entry.node}.ts`, import.meta.url), ['tsx', 'tsx/*'])
    : new URL(/* @vite-ignore */ /* webpackIgnore: true */ `../${entry.node}.node.js`, import.meta.url);
  const worker = new NodeWorker(source, { execArgv });
  const booted = new Promise<void>((resolve) => {
    worker.on('message', (message: unknown) => { if (message === BOOTED) resolve(); });
    void exited.then(() => resolve());
  });
  // After the listener: listening on a worker refs it.
  worker.unref();
  let terminating = false;
  const endpoint = nodeEndpoint(worker);
  const thread: Spare = {
    endpoint,
    terminate: async () => {
      terminating = true;
      await worker.terminate();
    },
    exited,
    claim: () => worker.ref(),
    dead: false,
    booted,
  };
  worker.on('error', (error: Error) => { thread.dead = true; died(`the VM's worker failed: ${error.message}`); });
  worker.on('exit', (code: number) => { thread.dead = true; if (!terminating) died(`the VM's thread exited (code ${code})`); });
  return thread;
}
