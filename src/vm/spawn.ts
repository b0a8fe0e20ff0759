// The host's side of a VM: start its worker, hand it the shared memory, the compiled core and its
// device block, connect its device to the server through its inbox, and keep a view of the device
// so the host can watch it (counters, pending bits) without asking the worker.
import * as Comlink from 'comlink';
import * as L from '../../assembly/layout.ts';
import { Device } from '../device/device.ts';
import { pciLayout } from '../device/pci-layout.ts';
import {
  allocateBlock, connect, memoryWithoutServer, peerTableOf, resolveDevice, type RealizeHost, type ResolvedDevice,
} from '../device/realize.ts';
import type { MemoryBackend } from '../memory/backend.ts';
import { closePeerTable } from '../device/server-client.ts';
import { InboxWriter } from '../server/inbox.ts';
import type { Placement } from '../pci/topology.ts';
import type { VmApi, VmInspection } from './protocol.ts';
import { startWorkerThread, type WorkerThread } from './worker-thread.ts';

export interface SpawnOptions {
  /** the -device string, as for realize */
  device: string;
  /** the guest program to run first: an ES module URL whose default export is `async (vm, arg) => result` */
  program?: string | URL;
  /** passed to the program (structured clone) */
  arg?: unknown;
}

export interface VmCounters {
  /** interrupts delivered to this VM, per vector */
  delivered: number[];
  /** MSI-X PBA bits set, per vector */
  pending: boolean[];
  lost: number;
  dropped: number;
}

export interface SpawnHost extends RealizeHost {
  module: WebAssembly.Module;
  /** holds the memdev, the ID and the bus slot while the VM starts; returns the undo */
  reserve(resolved: ResolvedDevice): () => void;
  attachVm(device: Device, parts: { placement: Placement; backend?: MemoryBackend; vm: Vm }): void;
  /** the VM is gone: its device block and slot on the bus are free */
  detachVm(device: Device): void;
}

export class Vm {
  /** the program's log lines, as they arrive */
  readonly log: string[] = [];
  /** the first program's return value, or its error (also if the VM dies or is terminated first) */
  result!: Promise<unknown>;
  /** @internal runs one program in the worker */
  runner!: (program: string, arg: unknown) => Promise<unknown>;
  /** @internal asks the worker about itself */
  inspector!: () => Promise<VmInspection>;
  private ended = false;
  private killed!: (error: Error) => void;
  /** @internal rejects when terminate() is called */
  readonly terminated = new Promise<never>((_, reject) => { this.killed = reject; });

  constructor(
    /** the host's view of the VM's device (shared state: counters, pending bits, registers) */
    readonly device: Device,
    private readonly memory: WebAssembly.Memory,
    private readonly thread: WorkerThread,
    private readonly onEnd: () => void,
  ) {}

  /** The device's IVPosition: its peer ID, or 0 without a server. */
  get id(): number {
    return this.device.ivPosition;
  }

  get counters(): VmCounters {
    const vectors = Array.from({ length: Math.max(1, this.device.vectors) }, (_, v) => v);
    return {
      delivered: vectors.map((v) => this.device.interrupts.delivered(v)),
      pending: vectors.map((v) => this.device.interrupts.pending(v)),
      lost: this.device.interrupts.lost,
      dropped: this.device.interrupts.dropped,
    };
  }

  /**
   * Asks the VM about itself over the control plane. It answers whenever its event loop runs:
   * at once while its program awaits (vm.waitAsync), only afterwards while it sits in a blocking
   * vm.wait(). Counters, stop() and terminate() never need the worker: they act on shared memory
   * or on the thread itself.
   */
  inspect(): Promise<VmInspection> {
    return Promise.race([this.inspector(), this.terminated]);
  }

  /** Runs another program in this VM (after the one before it, like commands in a guest). */
  run(program: string | URL, arg?: unknown): Promise<unknown> {
    const previous = this.queue;
    const next = previous.catch(() => {}).then(() => this.runner(String(program), arg));
    this.queue = next;
    return next;
  }

  private queue: Promise<unknown> = Promise.resolve();

  /** Asks the program to stop: its waits return STOPPED (-2) from now on. */
  stop(): void {
    const words = new Int32Array(this.memory.buffer, this.device.block, L.DEV_STOP / 4 + 1);
    Atomics.store(words, L.DEV_STOP / 4, 1);
    Atomics.add(words, L.DEV_IRQ_SEQ / 4, 1);
    Atomics.notify(words, L.DEV_IRQ_SEQ / 4);
  }

  /** Kills the VM at once, as killing its QEMU would: the server sees the disconnect. */
  async terminate(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.killed(new Error('the VM was terminated'));
    await this.thread.terminate();
    this.onEnd();
  }
}

export async function spawnVm(host: SpawnHost, options: SpawnOptions): Promise<Vm> {
  const resolved = resolveDevice(host, options.device);
  const { spec, server } = resolved;
  const unreserve = host.reserve(resolved);
  const block = allocateBlock(host, spec);
  const connection = server ? connect(host, server, new InboxWriter(host.memory, block), block) : undefined;
  const memoryPlace = server ? undefined : memoryWithoutServer(host, resolved);
  const cleanUp = () => {
    // The worker is gone, so the host closes what its device held (QEMU's exit does this).
    closePeerTable(peerTableOf(host, block), new DataView(host.memory.buffer).getInt32(block + L.DEV_VM_ID, true));
    connection?.close();
  };

  let thread: WorkerThread;
  try {
    thread = await startWorkerThread();
  } catch (error) {
    connection?.close();
    host.freeDeviceBlock(block);
    unreserve();
    throw error;
  }
  const api = Comlink.wrap<VmApi>(thread.endpoint);
  const channel = new MessageChannel();
  const lines: string[] = [];
  channel.port1.onmessage = (event: MessageEvent) => lines.push(String(event.data));
  const exited = thread.exited.then((reason) => { throw new Error(reason); });
  exited.catch(() => {});
  let started;
  try {
    started = await Promise.race([exited, api.start(Comlink.transfer({
      memory: host.memory,
      module: host.module,
      block,
      spec,
      memoryPlace,
      log: channel.port2,
    }, [channel.port2]))]);
  } catch (error) {
    await thread.terminate();
    cleanUp();
    channel.port1.close();
    host.freeDeviceBlock(block);
    unreserve();
    throw error;
  }
  const size = spec.chardev !== undefined && spec.model !== 'ivshmem-doorbell' ? spec.size! : started.memory.size;
  const device = new Device(host, spec, block, pciLayout(spec, size), undefined, Promise.resolve());
  device.mapMemory(started.memory.offset, size);
  const vm = new Vm(device, host.memory, thread, () => {
    cleanUp();
    channel.port1.close();
    host.detachVm(device);
  });
  vm.terminated.catch(() => {});
  (vm as { log: string[] }).log = lines;
  // The log travels on its own channel: a result (or an error) waits until every line written
  // before it has arrived.
  vm.runner = (program, arg) => Promise.race([
    api.run(program, arg).then(async (outcome) => {
      while (lines.length < outcome.lines) await new Promise((resolve) => setTimeout(resolve, 1));
      if (outcome.ok) return outcome.value;
      throw Object.assign(new Error(outcome.error.message), outcome.error);
    }),
    exited,
    vm.terminated,
  ]);
  vm.inspector = () => api.inspect();
  vm.result = options.program === undefined ? Promise.resolve(undefined) : vm.run(options.program, options.arg);
  vm.result.catch(() => {});
  unreserve();
  host.attachVm(device, { placement: resolved.placement, backend: resolved.backend, vm });
  return vm;
}
