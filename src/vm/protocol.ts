// The control plane between the host and a VM worker, carried by comlink. The data plane (doorbells,
// interrupts, the server's messages) never goes this way: it is all in the shared memory.
import type { MemoryPlace } from '../device/layout.ts';
import type { SpecBase } from '../device/model.ts';
import type { SpinStats } from './wait-policy.ts';

export interface VmInit {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** the device block the host allocated for this VM's device */
  block: number;
  /** the device's model, by name (src/models/index.ts), and its parsed options */
  model: string;
  spec: SpecBase;
  vectors: number;
  /** where the device sits on the VM's bus (slot.function), as vm.address says */
  address: string;
  /** the device has a server: the worker finishes the handshake from its inbox */
  server: boolean;
  /** where the memory is, for a device without a server */
  memoryPlace?: MemoryPlace;
  /** where the guest's log lines go, as they are written */
  log: MessagePort;
  /** this VM's thread in the trace (src/trace/) */
  thread: number;
  /** the first program, loaded while the VM starts so that it runs as soon as spawn returns */
  program?: string;
}

export interface VmStarted {
  /** IVPosition: the server-assigned ID, or 0 */
  id: number;
  memory: MemoryPlace;
}

/** What a VM says about itself when asked (answered whenever its event loop runs). */
export interface VmInspection {
  /** the program running now, if any */
  program: string | undefined;
  /** log lines written so far */
  lines: number;
  /** the spin budget of wait({ mode: 'spin' }), in microseconds */
  spinBudgetUs: number;
  /** what wait({ mode: 'spin' }) did so far: spins caught or run out, probes, parked waits */
  spin: SpinStats;
  /** the peers its device knows, from the server */
  peers: { id: number; vectors: number }[];
}

/** How a program ended, with the number of log lines the VM had written by then. */
export type RunOutcome =
  | { ok: true; value: unknown; lines: number }
  | { ok: false; error: { name: string; message: string; stack?: string }; lines: number };

export interface VmApi {
  /** instantiates the core, realizes the device (finishing the server handshake) */
  start(init: VmInit): Promise<VmStarted>;
  /**
   * runs a guest program (an ES module URL whose default export is `async (vm, arg) => result`)
   * to its end: its return value and how many log lines the VM has written so far
   */
  run(program: string, arg: unknown): Promise<RunOutcome>;
  inspect(): VmInspection;
}

/** What a VM worker posts once it listens, before any request (Comlink ignores it: no request id). */
export const BOOTED = 'ivshmem-vm-booted';
