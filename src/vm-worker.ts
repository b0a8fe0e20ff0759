// One guest VM: a Web Worker in the browser, a worker_threads Worker in Node, from this one file
// (src/vm/worker-thread.ts starts it). It is the VM's entry point, as index.ts is the host's: it
// instantiates the core over the host's shared memory, realizes its device with the model it is
// named (finishing the server handshake from its inbox), and runs the guest program.
import * as Comlink from 'comlink';
import { instantiateCore, type CoreExports } from './core/core.ts';
import type { Device, DeviceHost } from './device/device.ts';
import type { DeviceClient } from './device/server-client.ts';
import { models } from './models/index.ts';
import { buildDevice, makeClient } from './realize/build.ts';
import { InboxReader } from './server/inbox.ts';
import * as L from '../assembly/layout.ts';
import { Guest } from './vm/guest.ts';
import { BOOTED, type RunOutcome, type VmApi, type VmInit, type VmInspection, type VmStarted } from './vm/protocol.ts';

let guest: Guest | undefined;
let running: string | undefined;

/**
 * The worker's half of realize (the host took the resources, src/vm/spawn.ts): the server
 * handshake from the inbox, in realize or after it as the model does it, then the build.
 */
async function realize(init: VmInit, host: DeviceHost & { core: CoreExports }, inbox: InboxReader | undefined): Promise<{ device: Device; client?: DeviceClient }> {
  const model = models.find(init.model)!;
  if (!inbox) return { device: buildDevice(host, model, init.spec, init.block, { memory: init.memoryPlace }) };
  const client = makeClient(host, model, init.spec, init.block, init.vectors);
  const setup = client.setupAsync();
  setup.catch(() => {});
  if (model.server!.inRealize) {
    await inbox.feedUntilSettled(client, setup);
    await setup;
    model.server!.checkId?.(init.spec, client.id);
    return { device: buildDevice(host, model, init.spec, init.block, { client, ready: setup }), client };
  }
  const device = buildDevice(host, model, init.spec, init.block, { client, ready: setup });
  await inbox.feedUntilSettled(client, setup);
  await setup;
  return { device, client };
}

const api: VmApi = {
  async start(init: VmInit): Promise<VmStarted> {
    const view = new DataView(init.memory.buffer);
    if (view.getUint32(L.HEADER_MAGIC, true) !== L.MAGIC || view.getUint32(L.HEADER_VERSION, true) !== L.LAYOUT_VERSION) {
      throw new Error(`the shared memory was not laid out by this version of ivshmem-wasm (layout ${L.LAYOUT_VERSION})`);
    }
    const core: CoreExports = await instantiateCore(init.memory, init.module);
    core.traceThread(init.thread);
    const inbox = init.server ? new InboxReader(init.memory, init.block) : undefined;
    let client: DeviceClient | undefined;
    // QEMU handles its server socket while the vCPU runs; here the VM takes what has arrived
    // before every register access and every wait, so a doorbell to a newcomer finds it.
    const pump = () => {
      if (inbox?.pending && client?.isSetUp) inbox.drain(client);
    };
    const realized = await realize(init, { core, memory: init.memory, beforeRegisterAccess: pump }, inbox);
    client = realized.client;
    const { device } = realized;
    const log = init.log;
    guest = new Guest(device, models.find(init.model)!, core, init.memory, pump, (line) => log.postMessage(line));
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
    typescript ??= import(/* @vite-ignore */ api).then(({ register }) => { register(); });
    await typescript;
  }
  return import(/* @vite-ignore */ program);
}

async function expose(): Promise<void> {
  if ('WorkerGlobalScope' in globalThis) {
    Comlink.expose(api);
    postMessage(BOOTED);
    return;
  }
  const threads = 'node:worker_threads';
  const { parentPort } = await import(/* @vite-ignore */ threads);
  const { default: nodeEndpoint } = await import('comlink/dist/esm/node-adapter.mjs');
  Comlink.expose(api, nodeEndpoint(parentPort));
  parentPort.postMessage(BOOTED);
}

void expose();
