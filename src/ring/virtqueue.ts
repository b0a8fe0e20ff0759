// The virtio split virtqueue for hosts and guest programs: a driver side (adds chains of
// buffers, kicks, takes used chains) and a device side (pops chains, pushes them back,
// interrupts), both over the core's assembly/virtqueue.ts, which draws the layout. Addresses
// are region offsets: the region is the queue's guest physical address space.
import * as R from '../../assembly/ring-layout.ts';
import { AccessError, QemuError, checkInteger, checkObject, checkString, show } from '../errors.ts';
import {
  checkContext, checkPowerOfTwo, checkRegion, checkStateBlock, RingBrokenError, U32_MAX, type RingContext, type RingRegion,
} from './ring-core.ts';

/** A buffer in the queue's region: guest physical address (region offset) and length. */
export interface VqBuffer {
  addr: number;
  len: number;
}

/** Where the three parts are, as region offsets. */
export interface SplitLayout {
  desc: number;
  avail: number;
  used: number;
  /** bytes from desc to the end of the used ring */
  bytes: number;
}

/** The three parts packed from `at` (16-aligned) with virtio 1.x alignments (16, 2, 4). */
export function splitLayout(size: number, at = 0): SplitLayout {
  checkQueueSize('splitLayout', size);
  const desc = checkInteger('splitLayout: the offset (at)', at, 0, U32_MAX);
  if (desc % 16 !== 0) throw new QemuError(`splitLayout: the offset (at) must be a multiple of 16 (the descriptor table's alignment), not ${desc}`);
  const avail = desc + 16 * size;
  // rounded up to 4 by arithmetic: `& ~3` would turn an offset from 2^31 on negative
  const used = Math.ceil((avail + 6 + 2 * size) / 4) * 4;
  return { desc, avail, used, bytes: used + 6 + 8 * size - desc };
}

/** A virtqueue size: a power of two, 1..32768. */
function checkQueueSize(what: string, size: unknown): number {
  return checkPowerOfTwo(`${what}: queue size`, size, 1, R.VQ_MAX_SIZE);
}

export interface VirtqueueOptions extends RingContext {
  /** the queue's guest physical address space */
  region: RingRegion;
  /** queue size N: a power of two, 1..32768 */
  size: number;
  /** the parts' region offsets; default splitLayout(size) */
  layout?: Omit<SplitLayout, 'bytes'>;
  /** VIRTIO_RING_F_EVENT_IDX negotiated */
  eventIdx?: boolean;
  /** address of this side's private state block (stateBytes(size) bytes, outside the region) */
  state: number;
  /** a name for error messages */
  name?: string;
}

abstract class VirtqueueSide {
  readonly size: number;
  readonly region: RingRegion;
  readonly name: string;
  protected readonly state: number;
  protected readonly words: Uint32Array;
  protected readonly bytes: Uint8Array;

  static stateBytes(size: number): number {
    return R.VQ_STATE_HEADER + checkQueueSize('virtqueue', size) * (R.VQ_SCRATCH_SIZE + R.VQ_PER_DESC_SIZE);
  }

  constructor(protected readonly context: RingContext, options: VirtqueueOptions, driver: boolean) {
    const role = `virtqueue (${driver ? 'driver' : 'device'} side)`;
    checkObject(`${role}: the options`, options);
    this.name = options.name === undefined ? role : checkString(`${role}: the name`, options.name);
    checkContext(this.name, context);
    const size = checkQueueSize(this.name, options.size);
    const region = checkRegion(this.name, context.buffer, options.region);
    const state = checkStateBlock(this.name, context.buffer, options.state, VirtqueueSide.stateBytes(size), region);
    if (options.eventIdx !== undefined && typeof options.eventIdx !== 'boolean') {
      throw new QemuError(`${this.name}: eventIdx must be true or false, not ${show(options.eventIdx)}`);
    }
    const layout = options.layout === undefined ? splitLayout(size) : checkObject(`${this.name}: the layout { desc, avail, used }`, options.layout);
    // The core takes the parts as u32: 2^32 + 0x100 would be placed at 0x100.
    const [desc, avail, used] = (['desc', 'avail', 'used'] as const).map((part) => checkInteger(`${this.name}: layout.${part}`, layout[part], 0, U32_MAX));
    const status = context.core.vqInit(state, region.offset, region.size, size, desc, avail, used, options.eventIdx ? R.VQ_EVENT_IDX : 0, driver ? 1 : 0);
    if (status !== 0) {
      throw new QemuError(`${this.name}: desc ${desc}, avail ${avail}, used ${used} (size ${size}) do not fit the ${region.size}-byte region with alignments 16, 2, 4`);
    }
    this.size = size;
    this.region = region;
    this.state = state;
    this.words = new Uint32Array(context.buffer, state, R.VQ_STATE_HEADER / 4);
    this.bytes = new Uint8Array(context.buffer);
  }

  protected field(offset: number): number {
    return this.words[offset / 4];
  }

  /** The first violation's code (assembly/ring-layout.ts E_*), 0 while healthy. */
  get error(): number { return this.field(R.VQ_S_ERROR); }
  get broken(): boolean { return this.error !== 0; }
  /** Violations detected (a broken queue stops looking, so 1 once broken). */
  get violations(): number { return this.field(R.VQ_S_VIOLATIONS); }
  /** Publishes that asked the other side for a notification or interrupt. */
  get notifies(): number { return this.field(R.VQ_S_NOTIFIES); }
  /** Publishes the other side's event suppression spared. */
  get suppressed(): number { return this.field(R.VQ_S_SUPPRESSED); }

  /** A view of a buffer's bytes (bounded by the region). */
  view(buffer: VqBuffer): Uint8Array {
    const { addr, len } = this.checkBuffer(buffer, 0);
    return this.bytes.subarray(this.region.offset + addr, this.region.offset + addr + len);
  }

  /** A buffer of at least minLen bytes inside the region, with addr and len as the core's u32 take them. */
  protected checkBuffer(buffer: unknown, minLen: number): VqBuffer {
    const b = checkObject(`${this.name}: a buffer { addr, len }`, buffer, AccessError);
    const addr = checkInteger(`${this.name}: the buffer's addr`, b.addr, 0, U32_MAX, AccessError);
    const len = checkInteger(`${this.name}: the buffer's len`, b.len, minLen, U32_MAX, AccessError);
    if (addr + len > this.region.size) throw new AccessError(`${this.name}: buffer [${addr}, +${len}) is outside the ${this.region.size}-byte region`);
    return { addr, len };
  }

  protected check(result: number): number {
    if (result === R.RING_BROKEN) throw new RingBrokenError(this.name, this.error);
    return result;
  }

  protected scratch(i: number): number {
    return (this.state + R.VQ_STATE_HEADER + i * R.VQ_SCRATCH_SIZE) / 4;
  }
}

/** The driver side: owns the descriptor table and the available ring. */
export class VirtqueueDriver extends VirtqueueSide {
  constructor(options: VirtqueueOptions) {
    super(options, options, true);
  }

  /** Free descriptors. */
  get numFree(): number { return this.field(R.VQ_S_NUM_FREE); }

  /**
   * Adds a chain: `out` buffers the device reads, then `in` buffers it writes. With `indirect`
   * (a 16-aligned region offset with room for 16 bytes per buffer) the chain goes through an
   * indirect table there and takes one descriptor. The device sees it after publish(). Returns
   * the chain's head, or null when the queue has no free descriptors for it.
   */
  add(out: readonly VqBuffer[], into: readonly VqBuffer[] = [], options: { indirect?: number } = {}): number | null {
    // Everything is checked before the first scratch entry is written: a refused chain leaves the
    // state block as it was.
    if (!Array.isArray(out)) throw new AccessError(`${this.name}: add's out (the buffers the device reads) must be an array, not ${show(out)}`);
    if (!Array.isArray(into)) throw new AccessError(`${this.name}: add's into (the buffers the device writes) must be an array, not ${show(into)}`);
    const { indirect } = checkObject(`${this.name}: add's options`, options, AccessError);
    const count = out.length + into.length;
    if (count === 0 || count > this.size) throw new AccessError(`${this.name}: a chain has 1 to ${this.size} buffers, not ${count}`);
    const buffers = [...out, ...into].map((b) => this.checkBuffer(b, 1));
    const writable = buffers.slice(out.length).reduce((sum, b) => sum + b.len, 0);
    if (writable > U32_MAX) throw new AccessError(`${this.name}: the chain's writable bytes exceed 2^32 - 1`);
    // The core takes the table's offset as an i32, -1 for none: from 2^31 on it would read as none.
    const table = indirect === undefined ? -1 : checkInteger(`${this.name}: the indirect table's offset`, indirect, 0, 2 ** 31 - 1, AccessError);
    if (table !== -1 && (table % 16 !== 0 || table + 16 * count > this.region.size)) {
      throw new AccessError(`${this.name}: an indirect table of ${count} descriptors does not fit at ${table} (16-aligned, inside the region)`);
    }
    const all = new Uint32Array(this.context.buffer);
    buffers.forEach((b, k) => {
      const at = this.scratch(k);
      all[at] = b.addr;
      all[at + 1] = b.len;
      all[at + 2] = k < out.length ? 0 : R.VIRTQ_DESC_F_WRITE;
    });
    const head = this.check(this.context.core.vqDriverAdd(this.state, count, table));
    if (head === R.RING_BAD_ARGUMENT) throw new Error(`${this.name}: the core refused a chain the API had checked`);
    return head === R.RING_EMPTY ? null : head;
  }

  /** Makes the added chains visible; true when the device wants a notification (kick it). */
  publish(): boolean {
    return this.check(this.context.core.vqDriverPublish(this.state)) === 1;
  }

  /** The next chain the device returned: its head and the bytes it wrote, or null. */
  getUsed(): { head: number; len: number } | null {
    const head = this.check(this.context.core.vqDriverGetUsed(this.state));
    return head === R.RING_EMPTY ? null : { head, len: this.field(R.VQ_S_LAST_LEN) };
  }

  /** Asks for interrupts; true if used chains are already waiting (take them instead of sleeping). */
  enableInterrupts(): boolean {
    return this.check(this.context.core.vqDriverSetInterrupts(this.state, 1)) === 1;
  }

  /** Asks for no interrupts (NO_INTERRUPT; without effect under EVENT_IDX, as in virtio). */
  disableInterrupts(): void {
    this.check(this.context.core.vqDriverSetInterrupts(this.state, 0));
  }
}

/** A chain the device popped: its head, the buffers to read, then the buffers to write. */
export interface VqChain {
  head: number;
  out: VqBuffer[];
  in: VqBuffer[];
}

/** The device side: reads the available ring and descriptors, owns the used ring. */
export class VirtqueueDevice extends VirtqueueSide {
  constructor(options: VirtqueueOptions) {
    super(options, options, false);
  }

  /** The next available chain, or null. Throws RingBrokenError if the driver broke the rules. */
  pop(): VqChain | null {
    const head = this.check(this.context.core.vqDevicePop(this.state));
    if (head === R.RING_EMPTY) return null;
    const all = new Uint32Array(this.context.buffer);
    const outNum = this.field(R.VQ_S_OUT_NUM);
    const chain: VqChain = { head, out: [], in: [] };
    for (let k = 0; k < outNum + this.field(R.VQ_S_IN_NUM); k++) {
      const at = this.scratch(k);
      (k < outNum ? chain.out : chain.in).push({ addr: all[at], len: all[at + 1] });
    }
    return chain;
  }

  /** Returns a chain with the number of bytes written into it; visible after publish(). */
  push(head: number, len: number): void {
    checkInteger(`${this.name}: push's head (a descriptor index)`, head, 0, this.size - 1, AccessError);
    checkInteger(`${this.name}: push's used length (len)`, len, 0, U32_MAX, AccessError);
    this.check(this.context.core.vqDevicePush(this.state, head, len));
  }

  /** Makes the pushed chains visible; true when the driver wants an interrupt. */
  publish(): boolean {
    return this.check(this.context.core.vqDevicePublish(this.state)) === 1;
  }

  /** Asks for notifications; true if chains are already available (pop them instead of sleeping). */
  enableNotify(): boolean {
    return this.check(this.context.core.vqDeviceSetNotify(this.state, 1)) === 1;
  }

  /** Asks for no notifications (NO_NOTIFY; under EVENT_IDX avail_event simply stays behind). */
  disableNotify(): void {
    this.check(this.context.core.vqDeviceSetNotify(this.state, 0));
  }
}
