// One guest VM: a Web Worker in the browser, a worker_threads Worker in Node, from this one file.
// It instantiates the core over the host's shared memory, realizes its device (finishing the
// server handshake from its inbox), and runs the guest program.
import * as Comlink from 'comlink';
import { eventfdIsLive, instantiateCore, type CoreExports } from '../core/core.ts';
import { buildDevice, checkMaster, makeClient, setsUpSynchronously } from '../device/realize.ts';
import type { Device } from '../device/device.ts';
import type { ServerClient } from '../device/server-client.ts';
import { InboxReader } from '../server/inbox.ts';
import * as L from '../../assembly/layout.ts';
import { Guest } from './guest.ts';
import { BOOTED, type RunOutcome, type VmApi, type VmInit, type VmInspection, type VmStarted } from './protocol.ts';

let guest: Guest | undefined;
let running: string | undefined;

const api: VmApi = {
  async start(init: VmInit): Promise<VmStarted> {
    const view = new DataView(init.memory.buffer);
    if (view.getUint32(L.HEADER_MAGIC, true) !== L.MAGIC || view.getUint32(L.HEADER_VERSION, true) !== L.LAYOUT_VERSION) {
      throw new Error(`the shared memory was not laid out by this version of ivshmem-wasm (layout ${L.LAYOUT_VERSION})`);
    }
    const core: CoreExports = await instantiateCore(init.memory, init.module);
    core.traceThread(init.thread);
    let inbox: InboxReader | undefined;
    let client: ServerClient | undefined;
    // QEMU handles its server socket while the vCPU runs; here the VM takes what has arrived
    // before every register access and every wait, so a doorbell to a newcomer finds it.
    const pump = () => {
      if (inbox?.pending && client?.isSetUp) inbox.drain(client);
    };
    const dh = {
      core,
      memory: init.memory,
      eventfdIsLive: (slot: number) => eventfdIsLive(init.memory, slot),
      release() {},
      beforeRegisterAccess: pump,
    };
    let device: Device;
    if (init.spec.chardev === undefined || init.spec.model === 'virtio-sdm') {
      device = buildDevice(dh, init.spec, init.block, { memory: init.memoryPlace! });
    } else {
      inbox = new InboxReader(init.memory, init.block);
      client = makeClient(dh, init.spec, init.block);
      const setup = client.setupAsync();
      setup.catch(() => {});
      if (setsUpSynchronously(init.spec)) {
        await inbox.feedUntilSettled(client, setup);
        await setup;
        checkMaster(init.spec, client);
        device = buildDevice(dh, init.spec, init.block, { client, ready: setup });
      } else {
        device = buildDevice(dh, init.spec, init.block, { client, ready: setup });
        await inbox.feedUntilSettled(client, setup);
        await setup;
      }
    }
    const log = init.log;
    guest = new Guest(device, core, init.memory, pump, (line) => log.postMessage(line));
    // A module that fails to load fails its run(), as it would have anyway.
    if (init.program !== undefined) await importProgram(init.program).catch(() => {});
    return { id: device.ivPosition, memory: device.sharedMemory! };
  },

  async run(program: string, arg: unknown): Promise<RunOutcome> {
    const vm = guest;
    if (!vm) throw new Error('the VM has not started');
    running = program;
    try {
      await vm.sdm?.booted();
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
