// A VM as the host holds it: its worker, its device as the host sees it (counters and pending bits
// read from shared memory, never by asking the worker), its log, and the programs it runs.
// host.spawn makes one (src/vm/spawn.ts).
import type * as Comlink from 'comlink';
import * as L from '../../assembly/layout.ts';
import { QemuError, show } from '../errors.ts';
import type { Device } from '../device/device.ts';
import type { Machine, Placement } from '../pci/topology.ts';
import type { VmApi, VmInspection } from './protocol.ts';
import type { WorkerThread } from './worker-thread.ts';

export interface SpawnOptions {
  /** the -device string, as for realize */
  device: string;
  /** the guest program to run first: an ES module URL whose default export is `async (vm, arg) => result` */
  program?: string | URL;
  /** passed to the program (structured clone) */
  arg?: unknown;
  /**
   * The VM's own machine, as `-M` of its QEMU: 'pc' or 'q35' (default: the host's). Each VM is its
   * own QEMU process with its own PCI bus, so `addr=` and `id=` in `device` are the VM's business;
   * without `addr=` the device gets the slot a fresh QEMU gives it (00:04.0 on pc, 00:03.0 on q35).
   */
  machine?: Machine;
  // A model may declare options of its own (virtio-sdm's `boot`), added to this interface by its
  // folder (src/models/*/public-api.ts).
}

export interface VmCounters {
  /** interrupts delivered to this VM, per vector */
  delivered: number[];
  /** MSI-X PBA bits set, per vector */
  pending: boolean[];
  lost: number;
  dropped: number;
}

/** @internal How a Vm reaches its worker; made by host.spawn (src/vm/spawn.ts). */
export interface VmLink {
  thread: WorkerThread;
  /** the VM's own machine and where its device sits on it */
  machine: Machine;
  placement: Placement;
  /** the VM's thread number in the trace */
  traceThread: number;
  api: Comlink.Remote<VmApi>;
  /** the log lines, filled as they arrive on their own channel */
  lines: string[];
  /** called once the worker is gone */
  onEnd(): void;
}

const vms = new WeakMap<Device, Vm>();

/** @internal The VM a device lives in (for host.vms). */
export function vmOf(device: Device): Vm | undefined {
  return vms.get(device);
}

export class Vm {
  /** the program's log lines, as they arrive */
  readonly log: string[];
  /** the first program's return value, or its error (also if the VM dies or is terminated first) */
  readonly result: Promise<unknown>;
  private ended = false;
  /** IVPosition when the VM started: it never changes, and stays readable after the VM ends */
  private readonly ivPosition: number;
  private killed!: (error: Error) => void;
  private readonly terminated = new Promise<never>((_, reject) => { this.killed = reject; });
  private readonly exited: Promise<never>;
  private queue: Promise<unknown> = Promise.resolve();

  /** @internal VMs are made by host.spawn */
  constructor(
    /** the host's view of the VM's device (shared state: counters, pending bits, registers) */
    readonly device: Device,
    private readonly memory: WebAssembly.Memory,
    private readonly link: VmLink,
    first: SpawnOptions,
  ) {
    this.log = link.lines;
    this.ivPosition = device.ivPosition;
    vms.set(device, this);
    this.terminated.catch(() => {});
    this.exited = link.thread.exited.then((reason) => { throw new QemuError(reason); });
    this.exited.catch(() => {});
    // A worker that dies on its own ends the VM as terminate() would.
    void link.thread.exited.then(() => this.terminate());
    this.result = first.program === undefined ? Promise.resolve(undefined) : this.run(first.program, first.arg);
    this.result.catch(() => {});
  }

  /** The device's IVPosition: its peer ID, or 0 without a server. */
  get id(): number {
    return this.ivPosition;
  }

  /** The VM's identity for the whole life of its host, never reused (its device's key). */
  get key(): number {
    return this.device.key;
  }

  /** The VM's machine type ('pc' or 'q35'): its own, as its own QEMU process has. */
  get machine(): Machine {
    return this.link.machine;
  }

  /**
   * Where its device sits on the VM's PCI bus, as `info pci` would say: bus and slot.function; for
   * a device with no PCI function its bus ('virtio-mmio', or 'sysbus' and where the board maps its
   * registers: ivshmem-flat's x-bus-address-iomem).
   */
  get address(): { bus: string; address: string } {
    return { ...this.link.placement };
  }

  /** True once the VM has ended (terminated, or its worker died): its device is gone. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /** This VM's thread in host.trace's events (TraceEvent.thread). */
  get thread(): number {
    return this.link.traceThread;
  }

  /** Read from the shared memory; a QemuError once the VM has ended (its block is someone else's). */
  get counters(): VmCounters {
    if (this.ended) throw new QemuError(`VM ${this.ivPosition} has ended: its device and counters are gone`);
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
    return Promise.race([this.link.api.inspect(), this.exited, this.terminated]);
  }

  /** Runs another program in this VM (after the one before it, like commands in a guest). */
  run(program: string | URL, arg?: unknown): Promise<unknown> {
    if (typeof program !== 'string' && !(program instanceof URL)) {
      return Promise.reject(new QemuError(`run: program must be a module URL (a string or a URL), not ${show(program)}`));
    }
    const next = this.queue.catch(() => {}).then(() => Promise.race([this.runNow(String(program), arg), this.exited, this.terminated]));
    this.queue = next;
    return next;
  }

  // The log travels on its own channel: a result (or an error) waits until every line written
  // before it has arrived.
  private async runNow(program: string, arg: unknown): Promise<unknown> {
    const outcome = await this.link.api.run(program, arg);
    while (this.log.length < outcome.lines) await new Promise((resolve) => setTimeout(resolve, 1));
    if (outcome.ok) return outcome.value;
    throw Object.assign(new Error(outcome.error.message), outcome.error);
  }

  /**
   * Asks the program to stop: its waits return STOPPED (-2) from now on. Does nothing once the VM
   * has ended (its device block may already belong to another VM).
   */
  stop(): void {
    if (this.ended) return;
    const words = new Int32Array(this.memory.buffer, this.device.internals.block, L.DEV_STOP / 4 + 1);
    Atomics.store(words, L.DEV_STOP / 4, 1);
    Atomics.add(words, L.DEV_IRQ_SEQ / 4, 1);
    Atomics.notify(words, L.DEV_IRQ_SEQ / 4);
  }

  /** Kills the VM at once, as killing its QEMU would: the server sees the disconnect. */
  async terminate(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.killed(new QemuError('the VM was terminated'));
    await this.link.thread.terminate();
    this.link.onEnd();
  }
}
