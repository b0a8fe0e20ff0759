// What a guest program gets: its device (the same API as on the host), its ID, the ways a vCPU
// waits for an interrupt, a log, and the usual driver steps. Interrupts reach `wait` the way they
// reach a real guest: only once the driver has enabled MSI-X and unmasked the vector (or, on the
// legacy and 2010 devices, through IntrStatus and IntrMask).
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import type { Device } from '../device/device.ts';
import * as driver from '../driver/index.ts';
import { SpinPolicy, type SpinStats } from './wait-policy.ts';
import { AccessError } from '../errors.ts';
import type { DeviceModel, GuestOffer } from '../device/model.ts';

export type WaitMode = 'block' | 'poll' | 'spin';

export interface WaitOptions {
  /** block: park at once; poll: never park; spin: spin for an adaptive budget, then park (default) */
  mode?: WaitMode;
  /**
   * give up after this long and return -1; default: wait forever. In 'block' it is the park's own
   * timeout (no clock read): a park woken with no interrupt to take, which happens only when
   * something else takes this guest's interrupts (the host driving its device), waits it again whole.
   */
  timeoutMs?: number;
}

/** A wait ended because the host stopped the VM. */
export const STOPPED = L.WAIT_STOPPED;

const FOREVER = 1n << 62n;

/** Wait options a guest program got wrong are its mistake to see, not a hang or a RangeError. */
function checkWaitOptions(options: WaitOptions): void {
  if (typeof options !== 'object' || options === null) throw new AccessError(`wait: options must be an object, not ${String(options)}`);
  const { mode, timeoutMs } = options;
  if (mode !== undefined && mode !== 'block' && mode !== 'poll' && mode !== 'spin') {
    throw new AccessError(`wait: mode must be 'block', 'poll' or 'spin', not ${String(mode)}`);
  }
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs))) {
    throw new AccessError(`wait: timeoutMs must be a finite number of milliseconds (or absent, or negative, to wait for ever), not ${String(timeoutMs)}`);
  }
}

export class Guest {
  /** The PCI driver steps, each taking the device: enableDevice, enableMsix, disableMsix, maskVector, unmaskVector, msixPending, ring. */
  readonly driver = driver;
  /** Every line this VM logged, oldest first. */
  readonly lines: string[] = [];
  /** the device, with the same API as on the host */
  readonly device: Device;
  /** @internal takes the server's messages that have arrived (new peers, departed peers) */
  readonly pump: () => void;
  private readonly policy = new SpinPolicy();
  private readonly seq: Int32Array;
  private readonly words: Int32Array;
  private readonly core: CoreExports;
  private readonly post: (line: string) => void;
  private readonly offer: GuestOffer | undefined;
  private readonly model: DeviceModel;

  /** @internal the VM's worker makes its guest (src/vm-worker.ts) */
  constructor(device: Device, model: DeviceModel, core: CoreExports, memory: WebAssembly.Memory, pump: () => void, post: (line: string) => void) {
    this.device = device;
    this.core = core;
    this.pump = pump;
    this.post = post;
    const { block } = device.internals;
    this.seq = new Int32Array(memory.buffer, block + L.DEV_IRQ_SEQ, 2);
    this.words = new Int32Array(memory.buffer, block, L.LINE * 3 / 4);
    this.model = model;
    this.offer = model.guest?.(this, core, memory);
    for (const [key, value] of Object.entries(this.offer?.members ?? {})) Object.defineProperty(this, key, { value, enumerable: true });
  }

  /** @internal Resolves when the device lets programs run (a VM spawned with boot: 'sdm': once booted). */
  ready(): Promise<void> {
    return this.offer?.ready?.() ?? Promise.resolve();
  }

  /** IVPosition: this VM's peer ID (0 without a server). */
  get id(): number {
    return this.device.ivPosition;
  }

  /** The current budget of wait({ mode: 'spin' }). */
  get spinBudgetNs(): number {
    return this.policy.ns;
  }

  /** What wait({ mode: 'spin' }) did so far (a copy): spins caught or run out, probes, parked waits. */
  get spinStats(): SpinStats {
    return { ...this.policy.stats };
  }

  /** The host asked this VM to stop; waits return STOPPED from then on. */
  get stopping(): boolean {
    return Atomics.load(this.words, L.DEV_STOP / 4) !== 0;
  }

  /** The peers this VM's device knows, from its server. */
  peers(): { id: number; vectors: number }[] {
    this.pump();
    return this.device.peers();
  }

  /** A line in this VM's console: strings as they are, anything else as JSON (bigints as 12n). */
  log(...parts: unknown[]): void {
    const line = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)))).join(' ');
    this.lines.push(line);
    this.post(line);
  }

  /** Blocks until an interrupt: returns its vector, -1 on timeout, STOPPED if the host stops the VM. */
  wait(options: WaitOptions = {}): number {
    checkWaitOptions(options);
    this.pump();
    const mode = options.mode ?? 'spin';
    const timeoutNs = this.nanoseconds(options.timeoutMs);
    const block = this.device.internals.block;
    const vectors = this.device.vectors;
    let vector: number;
    if (mode === 'spin') {
      // What this guest's doorbells found since its last wait, whoever rang them (vm.ring, or a
      // driver writing the Doorbell register): a peer not parked may be spinning.
      if (this.core.takeRangUnparked()) this.policy.rangUnparked();
      const spinNs = this.policy.next();
      if (!this.policy.timed) {
        vector = this.core.waitInterrupt(block, vectors, timeoutNs, spinNs);
        // A spin that parked (or timed out) ran out; the core says which, without a clock read.
        if (spinNs !== 0n) this.policy.untimed(this.core.takeWaitParked() === 0 && vector >= 0, () => performance.now());
        return vector;
      }
      // An interrupt already there is taken without timing: it says nothing about waiting.
      vector = this.core.takeInterrupt(block, vectors);
      if (vector >= 0) return vector;
      const start = performance.now();
      vector = this.core.waitInterrupt(block, vectors, timeoutNs, spinNs);
      const end = performance.now();
      this.policy.record((end - start) * 1e6, vector >= 0, end);
    } else {
      vector = this.core.waitInterrupt(block, vectors, timeoutNs, mode === 'block' ? 0n : timeoutNs < 0n ? FOREVER : timeoutNs);
    }
    return vector;
  }

  private lastTimeout: { ms: number | undefined; ns: bigint } = { ms: undefined, ns: -1n };

  // The same timeout comes back on every wait of a loop: convert it to a bigint once.
  private nanoseconds(ms: number | undefined): bigint {
    if (ms === this.lastTimeout.ms) return this.lastTimeout.ns;
    const ns = ms === undefined || ms < 0 ? -1n : BigInt(Math.round(ms * 1e6));
    this.lastTimeout = { ms, ns };
    return ns;
  }

  /**
   * Waits without blocking the worker's event loop; same results as wait(). A pending
   * Atomics.waitAsync does not keep a Node worker alive by itself; the VM's control port does
   * (comlink listens on it for the whole life of the VM).
   */
  async waitAsync(options: { timeoutMs?: number } = {}): Promise<number> {
    checkWaitOptions(options);
    const deadline = options.timeoutMs === undefined || options.timeoutMs < 0 ? Infinity : performance.now() + options.timeoutMs;
    for (;;) {
      this.pump();
      let vector = this.core.takeInterrupt(this.device.internals.block, this.device.vectors);
      if (vector >= 0) return vector;
      if (this.stopping) return STOPPED;
      const left = deadline - performance.now();
      if (left <= 0) return L.WAIT_TIMEOUT;
      // Counted as parked before the last look (the core's rule, assembly/cpu.ts): a delivery
      // after that look moves the sequence word, so the wait below cannot miss it.
      Atomics.add(this.words, L.DEV_IRQ_WAITERS / 4, 1);
      const seq = Atomics.load(this.seq, 0);
      vector = this.core.takeInterrupt(this.device.internals.block, this.device.vectors);
      if (vector < 0 && !this.stopping) {
        // Bounded, so that server messages arriving meanwhile are taken within 50 ms.
        const result = Atomics.waitAsync(this.seq, 0, seq, Math.min(left, 50));
        if (result.async) await result.value;
      }
      Atomics.sub(this.words, L.DEV_IRQ_WAITERS / 4, 1);
      if (vector >= 0) return vector;
    }
  }

  /**
   * enable + MSI-X on + every vector unmasked (doorbell devices), as a driver's probe does, and
   * what the model adds (ivshmem-v2: Interrupt Control on); a sysbus device's registers are always
   * decoded and its IRQ line is the interrupt controller's to enable, so there it does nothing.
   */
  bringUp(): void {
    if (this.device.layout.transport === 'sysbus') return;
    driver.enableDevice(this.device);
    if (this.device.layout.msix) {
      driver.enableMsix(this.device);
      for (let v = 0; v < this.device.vectors; v++) driver.unmaskVector(this.device, v);
    } else if (this.device.layout.intx) {
      // IntrMask is at offset 0 in both register layouts; all ones unmasks the peer interrupt.
      const width = this.device.layout.bars[0].registerWidth ?? 4;
      this.device.bar(0).write(0, width, width === 2 ? 0xffff : 0xffffffff);
    }
    this.model.bringUp?.(this.device);
  }

  /**
   * Rings `vector` of `peer` through the 32-bit Doorbell (all but the 2010 device): the register
   * write a driver makes, (peer << 16) | vector at 0x0c of BAR0, after driver.ring's checks. The
   * vector is 0..255 (QEMU's ivshmem decodes 8 bits), 0..65535 on ivshmem-flat and ivshmem-v2.
   */
  ring(peer: number, vector = 0): void {
    driver.ring(this.device, peer, vector);
  }
}
