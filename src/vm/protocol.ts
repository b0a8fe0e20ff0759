// The control plane between the host and a VM worker, carried by comlink. The data plane (doorbells,
// interrupts, the server's messages) never goes this way: it is all in the shared memory.
import type { DeviceSpec } from '../device/models.ts';
import type { MemoryPlace } from '../device/realize.ts';

export interface VmInit {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** the device block the host allocated for this VM's device */
  block: number;
  spec: DeviceSpec;
  /** where the memory is, for a device without a server */
  memoryPlace?: MemoryPlace;
  /** where the guest's log lines go, as they are written */
  log: MessagePort;
}

export interface VmStarted {
  /** IVPosition: the server-assigned ID, or 0 */
  id: number;
  memory: MemoryPlace;
}

export interface VmApi {
  /** instantiates the core, realizes the device (finishing the server handshake) */
  start(init: VmInit): Promise<VmStarted>;
  /**
   * runs a guest program (an ES module URL whose default export is `async (vm, arg) => result`)
   * to its end: its return value and how many log lines the VM has written so far
   */
  run(program: string, arg: unknown): Promise<{ value: unknown; lines: number }>;
}
