// The virtio split virtqueue for hosts and guest programs: a driver side (adds chains of
// buffers, kicks, takes used chains) and a device side (pops chains, pushes them back,
// interrupts), both over the core's assembly/virtqueue.ts, which draws the layout. Addresses
// are region offsets: the region is the queue's guest physical address space.
import * as R from '../../assembly/ring-layout.ts';
import { AccessError, QemuError } from '../errors.ts';
import { checkRegion, checkStateBlock, RingBrokenError, type RingContext, type RingRegion } from './ring-core.ts';

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
  const desc = at;
  const avail = desc + 16 * size;
  const used = (avail + 6 + 2 * size + 3) & ~3;
  return { desc, avail, used, bytes: used + 6 + 8 * size - at };
}

/** A virtqueue size: a power of two, 1..32768. */
export function isQueueSize(size: unknown): size is number {
  return typeof size === 'number' && Number.isInteger(size) && size >= 1 && size <= R.VQ_MAX_SIZE && (size & (size - 1)) === 0;
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
    return R.VQ_STATE_HEADER + size * (R.VQ_SCRATCH_SIZE + R.VQ_PER_DESC_SIZE);
  }

  constructor(protected readonly context: RingContext, options: VirtqueueOptions, driver: boolean) {
    this.name = options.name ?? `virtqueue (${driver ? 'driver' : 'device'} side)`;
    const size = options.size;
    if (!isQueueSize(size)) {
      throw new QemuError(`${this.name}: queue size ${size} is not a power of two between 1 and ${R.VQ_MAX_SIZE}`);
    }
    checkRegion(this.name, context.buffer, options.region);
    checkStateBlock(this.name, context.buffer, options.state, VirtqueueSide.stateBytes(size), options.region);
    if (options.state % 4 !== 0) throw new QemuError(`${this.name}: the state block must be 4-byte aligned`);
    const layout = options.layout ?? splitLayout(size);
    const { offset, size: regionSize } = options.region;
    const status = context.core.vqInit(options.state, offset, regionSize, size, layout.desc, layout.avail, layout.used, options.eventIdx ? R.VQ_EVENT_IDX : 0, driver ? 1 : 0);
    if (status !== 0) {
      throw new QemuError(`${this.name}: desc ${layout.desc}, avail ${layout.avail}, used ${layout.used} (size ${size}) do not fit the ${regionSize}-byte region with alignments 16, 2, 4`);
    }
    this.size = size;
    this.region = options.region;
    this.state = options.state;
    this.words = new Uint32Array(context.buffer, options.state, R.VQ_STATE_HEADER / 4);
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
    if (!Number.isInteger(buffer.addr) || !Number.isInteger(buffer.len) || buffer.addr < 0 || buffer.len < 0 || buffer.addr + buffer.len > this.region.size) {
      throw new AccessError(`${this.name}: buffer [${buffer.addr}, +${buffer.len}) is outside the ${this.region.size}-byte region`);
    }
    return this.bytes.subarray(this.region.offset + buffer.addr, this.region.offset + buffer.addr + buffer.len);
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
    const count = out.length + into.length;
    if (count === 0 || count > this.size) throw new AccessError(`${this.name}: a chain has 1 to ${this.size} buffers, not ${count}`);
    const all = new Uint32Array(this.context.buffer);
    let k = 0;
    for (const list of [out, into]) {
      for (const b of list) {
        if (!Number.isInteger(b.len) || b.len <= 0 || b.len > 0xffffffff) throw new AccessError(`${this.name}: buffer length ${b.len} is not between 1 and 2^32 - 1`);
        this.view(b);
        const at = this.scratch(k++);
        all[at] = b.addr;
        all[at + 1] = b.len;
        all[at + 2] = list === into ? R.VIRTQ_DESC_F_WRITE : 0;
      }
    }
    const table = options.indirect ?? -1;
    if (table !== -1 && (!Number.isInteger(table) || table < 0 || table % 16 !== 0 || table + 16 * count > this.region.size)) {
      throw new AccessError(`${this.name}: an indirect table of ${count} descriptors does not fit at ${table} (16-aligned, inside the region)`);
    }
    const head = this.check(this.context.core.vqDriverAdd(this.state, count, table));
    if (head === R.RING_BAD_ARGUMENT) throw new AccessError(`${this.name}: the chain's writable bytes exceed 2^32 - 1`);
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
    if (!Number.isInteger(head) || head < 0 || head >= this.size) throw new AccessError(`${this.name}: ${head} is not a descriptor index (queue size ${this.size})`);
    if (!Number.isInteger(len) || len < 0 || len > 0xffffffff) throw new AccessError(`${this.name}: used length ${len} is not a 32-bit length`);
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
