// vm.sdm: the SDM driver inside a VM, with the waits a guest has: next() sleeps until a signal
// arrives (the device's interrupt, through vm.wait), nextAsync() without blocking the worker.
import * as L from '../../../assembly/layout.ts';
import type { GuestContext } from '../../device/model.ts';
import { SdmDriver, type SdmSignal } from './driver.ts';

export interface NextOptions {
  /** give up after this long and return undefined; default: wait forever */
  timeoutMs?: number;
  /** how the vCPU waits (vm.wait's modes); default 'spin' */
  mode?: 'block' | 'poll' | 'spin';
}

export class GuestSdm extends SdmDriver {
  private readonly bootWord: Int32Array;

  /** @internal */
  constructor(private readonly waits: GuestContext) {
    super(waits.device);
    const { memory, block } = waits.device.internals;
    this.bootWord = new Int32Array(memory.buffer, block + L.SDM_BOOTED, 1);
  }

  /** This device's SDM id: 0 the master, 1..n a slave. */
  get id(): number {
    return this.device.sdm!.id;
  }

  /** The payload of the SDM_BOOT that started this VM ([0, 0] if it was not booted by a signal). */
  get bootPayload(): [number, number] {
    return this.device.sdm!.bootPayload;
  }

  /** Resolves once the device is booted (at once unless the VM was spawned with boot: 'sdm'). */
  async booted(): Promise<void> {
    while (Atomics.load(this.bootWord, 0) === 0) {
      const result = Atomics.waitAsync(this.bootWord, 0, 0, 1000);
      if (result.async) await result.value;
    }
  }

  private remaining(deadline: number): number | undefined {
    return deadline === Infinity ? undefined : Math.max(0, deadline - performance.now());
  }

  /** Waits for the next signal (blocking the vCPU); undefined on timeout or when the VM is stopped. */
  next(options: NextOptions = {}): SdmSignal | undefined {
    const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      const signal = this.poll();
      if (signal) return signal;
      if (this.prepareToWait()) continue;
      if (this.waits.wait({ mode: options.mode, timeoutMs: this.remaining(deadline) }) < 0) return this.poll();
    }
  }

  /** next() without blocking the worker's event loop. */
  async nextAsync(options: { timeoutMs?: number } = {}): Promise<SdmSignal | undefined> {
    const deadline = options.timeoutMs === undefined ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      const signal = this.poll();
      if (signal) return signal;
      if (this.prepareToWait()) continue;
      if (await this.waits.waitAsync({ timeoutMs: this.remaining(deadline) }) < 0) return this.poll();
    }
  }
}
