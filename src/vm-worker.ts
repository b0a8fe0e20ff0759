// One guest VM: a Web Worker in the browser, a worker_threads Worker in Node, from this one file
// (src/vm/worker-thread.ts starts it). It is the VM's entry point, as index.ts is the host's: it
// realizes its device (src/vm/worker-device.ts) and runs the guest program.
import { models } from './models/index.ts';
import { Guest } from './vm/guest.ts';
import { type RunOutcome, type VmApi, type VmInit, type VmInspection, type VmStarted } from './vm/protocol.ts';
import { exposeWorker } from './vm/worker-expose.ts';
import { startWorkerDevice } from './vm/worker-device.ts';

let guest: Guest | undefined;
let running: string | undefined;

const api: VmApi = {
  async start(init: VmInit): Promise<VmStarted> {
    const { device, model, core, pump } = await startWorkerDevice(init, models);
    const log = init.log;
    guest = new Guest(device, model, core, init.memory, pump, (line) => log.postMessage(line));
    // A module that fails to load fails its run(), as it would have anyway.
    if (init.program !== undefined) await importProgram(init.program).catch(() => {});
    return { id: device.ivPosition, memory: device.sharedMemory! };
  },

  async run(program: string, arg: unknown): Promise<RunOutcome> {
    const vm = guest;
    if (!vm) throw new Error('the VM has not started');
    running = program;
    try {
      await vm.ready();
      const module = await importProgram(program);
      if (typeof module.default !== 'function') {
        throw new TypeError(`${program} has no default export to run (export default async function main(vm, arg))`);
      }
      const value = await module.default(vm, arg);
      return { ok: true, value, lines: vm.lines.length };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      return { ok: false, error: { name: e.name, message: e.message, stack: e.stack }, lines: vm.lines.length };
    } finally {
      running = undefined;
    }
  },

  inspect(): VmInspection {
    if (!guest) throw new Error('the VM has not started');
    return { program: running, lines: guest.lines.length, spinBudgetUs: guest.spinBudgetNs / 1000, spin: guest.spinStats, peers: guest.peers() };
  },
};

// In Node a TypeScript guest program needs tsx, registered in this worker the first time one runs
// (the worker itself is plain JavaScript: src/vm/worker-thread.ts bundles it).
let typescript: Promise<void> | undefined;

async function importProgram(program: string): Promise<{ default?: unknown }> {
  if (program.startsWith('file:') && /\.[cm]?tsx?$/.test(program)) {
    const api = 'tsx/esm/api';
    typescript ??= import(/* @vite-ignore */ /* webpackIgnore: true */ api).then(({ register }) => { register(); });
    await typescript;
  }
  return import(/* @vite-ignore */ /* webpackIgnore: true */ program);
}

void exposeWorker(api);
