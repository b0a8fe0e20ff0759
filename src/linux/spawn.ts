// host.spawn({ device, linux }): the same realize pipeline as a guest program's VM
// (src/vm/spawn.ts), in a worker of its own kind (src/linux-worker.ts) that boots Linux in v86
// over the device.
import { QemuError, show } from '../errors.ts';
import type { HostMachine } from '../machine/machine.ts';
import type { ModelRegistry } from '../device/model.ts';
import type { Machine } from '../pci/topology.ts';
import { spawnInWorker } from '../vm/spawn.ts';
import { startThread, type WorkerEntry } from '../vm/worker-thread.ts';
import { LinuxVm } from './linux-vm.ts';
import { DEFAULT_CMDLINE, DEFAULT_MEMORY_MIB, type LinuxImage, type LinuxOptions } from './protocol.ts';

const LINUX_WORKER: WorkerEntry = {
  browser: () => new Worker(new URL('../linux-worker.ts', import.meta.url), { type: 'module', name: 'ivshmem-linux' }),
  node: 'linux-worker',
};

const IMAGES = ['kernel', 'initrd', 'bios', 'vgaBios'] as const;

// A URL is resolved here, against the page (or Node's working directory), not in the worker,
// whose base is its own script; bytes are copied to the worker.
function image(name: string, value: unknown): string | ArrayBuffer | Uint8Array {
  if (value instanceof ArrayBuffer || value instanceof Uint8Array) return value;
  if (typeof value === 'string' || value instanceof URL) {
    const base = typeof location !== 'undefined' ? location.href : `file://${process.cwd()}/`;
    try {
      return new URL(String(value), base).href;
    } catch {
      throw new QemuError(`linux.${name}: ${show(value)} is not a URL`);
    }
  }
  throw new QemuError(`linux.${name}: an image is a URL (a string or a URL) or its bytes (an ArrayBuffer or a Uint8Array), not ${show(value)}`);
}

function checkLinux(options: unknown): Required<LinuxOptions> {
  if (typeof options !== 'object' || options === null) throw new QemuError(`linux: the options must be an object ({ kernel, initrd, bios, vgaBios }), not ${show(options)}`);
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (![...IMAGES, 'cmdline', 'memoryMiB'].includes(key)) throw new QemuError(`linux: unknown option '${key}' (kernel, initrd, bios, vgaBios, cmdline, memoryMiB)`);
  }
  const images = Object.fromEntries(IMAGES.map((name) => {
    if (given[name] === undefined) throw new QemuError(`linux.${name} is missing: the VM boots a kernel, an initramfs, a BIOS and a VGA BIOS (npm run build:linux makes them)`);
    return [name, image(name, given[name])];
  })) as Record<(typeof IMAGES)[number], LinuxImage>;
  const cmdline = given.cmdline ?? DEFAULT_CMDLINE;
  if (typeof cmdline !== 'string') throw new QemuError(`linux.cmdline must be a string, not ${show(cmdline)}`);
  const memoryMiB = given.memoryMiB ?? DEFAULT_MEMORY_MIB;
  if (typeof memoryMiB !== 'number' || !Number.isInteger(memoryMiB) || memoryMiB < 32 || memoryMiB > 2048) {
    throw new QemuError(`linux.memoryMiB must be a whole number of MiB from 32 to 2048, not ${show(memoryMiB)}`);
  }
  return { ...images, cmdline, memoryMiB };
}

export function spawnLinux(machine: HostMachine, models: ModelRegistry, options: { device: string; linux: unknown }, machineType: Machine): Promise<LinuxVm> {
  const linux = checkLinux(options.linux);
  let vm: LinuxVm | undefined;
  // The console may write before the VM's handle exists (the worker starts v86 before it answers).
  const early: string[] = [];
  return spawnInWorker(machine, models, options, machineType, {
    thread: () => startThread(LINUX_WORKER),
    // v86 has a PCI bus and nothing else to plug a device into
    check: ({ model, plan }) => {
      if (!plan.placement) throw new QemuError(`linux: a Linux VM's device is a PCI function of its PC, and ${model.name} is not a PCI device`);
    },
    init: { linux },
    onLog: (data) => (vm ? vm.receive(String(data)) : early.push(String(data))),
    make: (device, link) => {
      vm = new LinuxVm(device, machine.memory, link);
      for (const chunk of early.splice(0)) vm.receive(chunk);
      return vm;
    },
  });
}
