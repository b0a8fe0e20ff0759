// One Linux VM: a worker (Web Worker or worker_threads Worker, started by src/linux/spawn.ts)
// running a v86 PC whose ivshmem device is this project's device, realized here as a guest
// program's VM realizes it (src/vm/worker-device.ts) and plugged into v86's PCI bus
// (src/linux/pci-function.ts). Its serial console goes to the host on the VM's log channel.
import type { V86 } from 'v86';
import { V86PciFunction } from './linux/pci-function.ts';
import type { LinuxApi, LinuxImage, LinuxInit } from './linux/protocol.ts';
import type { V86Machine } from './linux/v86-internals.ts';
import { models } from './models/index.ts';
import * as L from '../assembly/layout.ts';
import type { VmStarted } from './vm/protocol.ts';
import { SpinPolicy } from './vm/wait-policy.ts';
import { exposeWorker } from './vm/worker-expose.ts';
import { startWorkerDevice, type WorkerDevice } from './vm/worker-device.ts';

const inNode = typeof process !== 'undefined' && !!process.versions?.node && !('WorkerGlobalScope' in globalThis);

let emulator: V86 | undefined;
let started: WorkerDevice | undefined;

async function bytesOf(image: LinuxImage): Promise<ArrayBuffer> {
  if (image instanceof ArrayBuffer) return image;
  if (image instanceof Uint8Array) return image.slice().buffer as ArrayBuffer;
  const url = new URL(String(image), inNode ? `file://${process.cwd()}/` : globalThis.location.href);
  if (url.protocol === 'file:') {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* @vite-ignore */ /* webpackIgnore: true */ fs);
    const data: Uint8Array = await readFile(url);
    return data.slice().buffer as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}

// v86's own wasm, from the package: beside its module in Node, an asset of the bundle in a page.
async function v86Wasm(): Promise<ArrayBuffer> {
  if (inNode) {
    const module = 'node:module';
    const { createRequire } = await import(/* @vite-ignore */ /* webpackIgnore: true */ module);
    return bytesOf(new URL(`file://${createRequire(import.meta.url).resolve('v86/build/v86.wasm')}`));
  }
  return bytesOf(new URL('../node_modules/v86/build/v86.wasm', import.meta.url));
}

/**
 * While the VM runs, it counts as a parked waiter on its device, so that a peer's doorbell
 * notifies it (assembly/cpu.ts kick) and the INTx line reaches v86 at once, even while the guest
 * sits in HLT and v86 waits for its next timer. The server's messages are taken here too (new and
 * departed peers), at least every 50 ms.
 */
function watch(device: WorkerDevice, pci: V86PciFunction, memory: WebAssembly.Memory): void {
  const block = device.device.internals.block;
  const words = new Int32Array(memory.buffer, block, L.DEV_IRQ_WAITERS / 4 + 1);
  Atomics.add(words, L.DEV_IRQ_WAITERS / 4, 1);
  const loop = async () => {
    for (;;) {
      const seq = Atomics.load(words, L.DEV_IRQ_SEQ / 4);
      device.pump();
      pci.syncIntx();
      const result = Atomics.waitAsync(words, L.DEV_IRQ_SEQ / 4, seq, 50);
      if (result.async) await result.value;
    }
  };
  void loop();
}

function slotOf(address: string): number {
  const slot = Number.parseInt(address.split('.')[0], 16);
  return Number.isInteger(slot) && slot > 1 ? slot : 4;
}

const api: LinuxApi = {
  async start(init: LinuxInit): Promise<VmStarted> {
    started = await startWorkerDevice(init, models);
    const { linux } = init;
    // v86 is an optional peer of the package, loaded only when a Linux VM starts: a page bundled
    // from the package without it then builds, and a Linux VM there fails saying it is missing.
    const [{ V86: Emulator }, kernel, initrd, bios, vgaBios, wasm] = await Promise.all([
      import(/* webpackIgnore: true */ 'v86'), bytesOf(linux.kernel), bytesOf(linux.initrd), bytesOf(linux.bios), bytesOf(linux.vgaBios), v86Wasm(),
    ]);
    const machine = new Emulator({
      wasm_fn: async (env: WebAssembly.Imports) => (await WebAssembly.instantiate(wasm, env)).instance.exports,
      bios: { buffer: bios },
      vga_bios: { buffer: vgaBios },
      bzimage: { buffer: kernel },
      initrd: { buffer: initrd },
      cmdline: linux.cmdline,
      memory_size: linux.memoryMiB << 20,
      vga_memory_size: 2 << 20,
      autostart: false,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
      acpi: false,
    } as ConstructorParameters<typeof V86>[0]);
    emulator = machine;
    await new Promise<void>((resolve) => machine.add_listener('emulator-loaded', () => resolve()));
    const cpu = (machine as unknown as { v86: V86Machine }).v86.cpu;
    const pci = new V86PciFunction(started.device, cpu, slotOf(init.address));
    const log = init.log;
    const decoder = new TextDecoder();
    let bytes: number[] = [];
    machine.add_listener('serial0-output-byte', (byte: number) => {
      // One message per emulator slice: the bytes written in it are flushed once it yields.
      if (bytes.length === 0) queueMicrotask(() => { log.postMessage(decoder.decode(new Uint8Array(bytes), { stream: true })); bytes = []; });
      bytes.push(byte);
    });
    watch(started, pci, init.memory);
    machine.run();
    return { id: started.device.ivPosition, memory: started.device.sharedMemory! };
  },

  send(text: string): void {
    emulator?.serial0_send(text);
  },

  inspect() {
    if (!started) throw new Error('the VM has not started');
    // no guest program and no wait policy here: the guest is Linux
    return { program: undefined, lines: 0, spinBudgetUs: 0, spin: new SpinPolicy().stats, peers: started.device.peers() };
  },
};

void exposeWorker(api);
