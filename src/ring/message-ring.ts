// The SPSC message ring for hosts and guest programs, over the core's assembly/ring.ts (which
// draws the layout). A ring lives at a 64-byte aligned offset of any shared region and does not
// own it; each side attaches with a private state block of RING_STATE_BYTES bytes.
//
//   producer.push(bytes)                 copy in, publish, ring the doorbell if the consumer sleeps
//   producer.write(bytes) ... publish()  a batch: one index store, at most one doorbell
//   producer.reserve(n) -> view, commit(len)       zero copy for large payloads
//   consumer.pop() / read(into) ... release()      copy out (a batch: one index store)
//   consumer.peek() -> view, consume()             zero copy
//   consumer.popWait({ timeoutMs }) / popAsync()   sleep until a message (event suppression)
import * as R from '../../assembly/ring-layout.ts';
import { AccessError, QemuError } from '../errors.ts';
import { futexDoorbell, type Doorbell } from './doorbell.ts';
import { checkRegion, checkStateBlock, RingBrokenError, type RingContext, type RingRegion } from './ring-core.ts';

export interface MessageRingOptions {
  /** the region the ring lives in (the peer can write all of it) */
  region: RingRegion;
  /** the ring's offset inside the region (64-byte aligned as an address) */
  at?: number;
  /** address of this side's private state block (RING_STATE_BYTES, outside the region) */
  state: number;
  /** how to wake the other side and sleep; default futexDoorbell() */
  doorbell?: Doorbell;
  /** a name for error messages */
  name?: string;
}

/** Bytes a ring of `capacity` data bytes takes in its region. */
export function messageRingBytes(capacity: number): number {
  return R.RING_DATA + capacity;
}

/** Lays out an empty ring of `capacity` bytes (a power of two, 64..2^30) at region + at. */
export function formatMessageRing(context: RingContext, region: RingRegion, capacity: number, at = 0): void {
  checkRegion('message ring', context.buffer, region);
  if (!Number.isInteger(at) || at < 0 || at + messageRingBytes(capacity) > region.size) {
    throw new QemuError(`message ring: ${messageRingBytes(capacity)} bytes at ${at} do not fit the ${region.size}-byte region`);
  }
  if (context.core.ringFormat(region.offset + at, capacity) !== 0) {
    throw new QemuError(`message ring: capacity ${capacity} is not a power of two between ${R.RING_MIN_CAPACITY} and 2^30, or ${region.offset + at} is not 64-byte aligned`);
  }
}

abstract class MessageRingSide {
  readonly name: string;
  readonly capacity: number;
  protected readonly state: number;
  protected readonly words: Uint32Array;
  protected readonly data: Uint8Array;
  protected readonly doorbell: Doorbell;
  /** the header as 32-bit words, for the doorbell's futex */
  protected readonly header: Int32Array;
  protected readonly core: RingContext['core'];

  constructor(context: RingContext, options: MessageRingOptions, producer: boolean) {
    this.name = options.name ?? `message ring (${producer ? 'producer' : 'consumer'})`;
    checkRegion(this.name, context.buffer, options.region);
    checkStateBlock(this.name, context.buffer, options.state, R.RING_STATE_BYTES, options.region);
    if (options.state % 4 !== 0) throw new QemuError(`${this.name}: the state block must be 4-byte aligned`);
    const at = options.at ?? 0;
    if (!Number.isInteger(at) || at < 0 || at + R.RING_DATA > options.region.size) throw new QemuError(`${this.name}: offset ${at} is outside the region`);
    this.core = context.core;
    this.state = options.state;
    this.words = new Uint32Array(context.buffer, options.state, R.RING_STATE_BYTES / 4);
    const ring = options.region.offset + at;
    if (this.core.ringAttach(options.state, ring, options.region.offset + options.region.size, producer ? 1 : 0) !== 0) {
      throw new RingBrokenError(this.name, R.E_RING_HEADER);
    }
    this.capacity = this.field(R.RING_S_CAPACITY);
    this.header = new Int32Array(context.buffer, ring, R.RING_DATA / 4);
    this.data = new Uint8Array(context.buffer, ring + R.RING_DATA, this.capacity);
    this.doorbell = options.doorbell ?? futexDoorbell();
  }

  protected field(offset: number): number {
    return this.words[offset / 4];
  }

  /** The first violation's code (E_* in assembly/ring-layout.ts), 0 while healthy. */
  get error(): number { return this.field(R.RING_S_ERROR); }
  get broken(): boolean { return this.error !== 0; }
  get violations(): number { return this.field(R.RING_S_VIOLATIONS); }
  /** Publishes that rang the doorbell / that event suppression spared. */
  get notifies(): number { return this.field(R.RING_S_NOTIFIES); }
  get suppressed(): number { return this.field(R.RING_S_SUPPRESSED); }
  /** Messages pushed (producer) or popped (consumer). */
  get messages(): number { return this.field(R.RING_S_MESSAGES); }

  protected check(result: number): number {
    if (result === R.RING_BROKEN) throw new RingBrokenError(this.name, this.error);
    return result;
  }
}

export class MessageProducer extends MessageRingSide {
  /** Times this side announced a wait for room (space_event): each allows one doorbell back. */
  sleeps = 0;

  constructor(context: RingContext, options: MessageRingOptions) {
    super(context, options, true);
  }

  /** The largest message: capacity - 8. */
  get maxMessage(): number {
    return this.capacity - R.RING_RECORD_HEADER;
  }

  /** Room for a message of `len` bytes: a view to fill, then commit(); null when full (then
   * what was written before is published). */
  reserve(len: number): Uint8Array | null {
    const offset = this.reserveOffset(len);
    return offset < 0 ? null : this.data.subarray(offset, offset + len);
  }

  /** Commits the reserved message with its final length (<= the reserved one). */
  commit(len: number): void {
    if (this.check(this.core.ringCommit(this.state, len)) === R.RING_BAD_ARGUMENT) {
      throw new AccessError(`${this.name}: commit(${len}) without a reservation of at least ${len} bytes`);
    }
  }

  /** Copies a message in without publishing it (a batch ends with publish()); false when full
   * (then what was written before is published). */
  write(message: Uint8Array): boolean {
    const len = message.length;
    if (len > this.capacity - R.RING_RECORD_HEADER) this.reserveOffset(len); // throws
    const offset = this.check(this.core.ringWrite(this.state, len));
    if (offset < 0) {
      this.publish(); // padding added on the way is published, as in reserve()
      return false;
    }
    this.data.set(message, offset);
    return true;
  }

  /** Publishes what was written: one store; rings the doorbell only if the consumer sleeps. */
  publish(): void {
    if (this.check(this.core.ringPublish(this.state)) === 1) this.doorbell.ring(this.header, R.RING_H_HEAD / 4);
  }

  /** write + publish; false when full. */
  push(message: Uint8Array): boolean {
    if (!this.write(message)) return false;
    this.publish();
    return true;
  }

  /** Writes as many as fit, publishes once; returns how many were written. */
  pushBatch(messages: readonly Uint8Array[]): number {
    let n = 0;
    while (n < messages.length && this.write(messages[n])) n++;
    this.publish();
    return n;
  }

  /** push, sleeping while the ring is full; false on timeout (or a stopped VM). */
  pushWait(message: Uint8Array, options: { timeoutMs?: number } = {}): boolean {
    const deadline = deadlineOf(options.timeoutMs);
    for (;;) {
      if (this.push(message)) return true;
      const tail = this.prepareSpaceWait();
      if (tail === undefined) continue;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!this.doorbell.wait(this.header, R.RING_H_TAIL / 4, tail, Math.min(left, 2 ** 31))) return false;
    }
  }

  async pushAsync(message: Uint8Array, options: { timeoutMs?: number } = {}): Promise<boolean> {
    const deadline = deadlineOf(options.timeoutMs);
    for (;;) {
      if (this.push(message)) return true;
      const tail = this.prepareSpaceWait();
      if (tail === undefined) continue;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!(await this.doorbell.waitAsync(this.header, R.RING_H_TAIL / 4, tail, Math.min(left, 2 ** 31)))) return false;
    }
  }

  // Full: publish what is pending (a pad, say), announce the wait, look again. Returns the tail
  // to sleep on (the one the failed push saw, kept by the core), or undefined when the tail moved
  // since that push (there may be room now).
  private prepareSpaceWait(): number | undefined {
    this.publish();
    this.sleeps++;
    return this.check(this.core.ringPrepareSpaceWait(this.state)) === 1 ? undefined : this.field(R.RING_S_SEEN_TAIL) | 0;
  }

  private reserveOffset(len: number): number {
    if (!Number.isInteger(len) || len < 0 || len > this.maxMessage) {
      throw new AccessError(`${this.name}: a message of ${len} bytes does not fit a ring of ${this.capacity} (at most ${this.maxMessage})`);
    }
    const offset = this.check(this.core.ringReserve(this.state, len));
    // Full: padding the reservation added to reach data + 0 is published now, so the consumer
    // can skip it and free the room this message waits for.
    if (offset === R.RING_EMPTY) this.publish();
    return offset;
  }
}

export class MessageConsumer extends MessageRingSide {
  /** Times this side announced a sleep (data_event): each allows the producer one doorbell. */
  sleeps = 0;
  /** the whole memory as words, for copyWords */
  private readonly dataWords: Int32Array;

  constructor(context: RingContext, options: MessageRingOptions) {
    super(context, options, false);
    this.dataWords = new Int32Array(context.buffer, 0, context.buffer.byteLength >> 2);
  }

  /** The next message as a view into the ring (valid until consume()), or null. */
  peek(): Uint8Array | null {
    const offset = this.check(this.core.ringPeek(this.state));
    return offset < 0 ? null : this.payload(offset);
  }

  // The core bounded the record; a view that would leave the data area means a core bug, and a
  // subarray would hide it by clamping, so it is an error of its own.
  private payload(offset: number): Uint8Array {
    const len = this.field(R.RING_S_LENGTH);
    if (offset + len > this.capacity) throw new Error(`${this.name}: the core returned a record [${offset}, +${len}) outside the ${this.capacity}-byte data area`);
    return this.data.subarray(offset, offset + len);
  }

  /** Consumes the message peek() returned; its room is freed by release(). */
  consume(): void {
    this.core.ringConsume(this.state);
  }

  /** Frees what was consumed: one store; rings the doorbell only if the producer waits for room. */
  release(): void {
    if (this.check(this.core.ringRelease(this.state)) === 1) this.doorbell.ring(this.header, R.RING_H_TAIL / 4);
  }

  /** Copies the next message into `into` without releasing it: its length, or -1 when empty. */
  read(into: Uint8Array): number {
    // One call when any message fits `into`; else look first, so a message too big for it is
    // refused without being consumed.
    const whole = into.length >= this.capacity - R.RING_RECORD_HEADER;
    const offset = this.check(whole ? this.core.ringRead(this.state) : this.core.ringPeek(this.state));
    if (offset < 0) return -1;
    const len = this.field(R.RING_S_LENGTH);
    if (offset + len > this.capacity) this.payload(offset); // throws: a core bug
    if (!whole) {
      if (len > into.length) throw new AccessError(`${this.name}: a ${len}-byte message does not fit a ${into.length}-byte buffer`);
      this.core.ringConsume(this.state);
    }
    if (len <= SMALL_COPY && (into.byteOffset & 3) === 0) this.copyWords(offset, len, into);
    else into.set(this.data.subarray(offset, offset + len));
    return len;
  }

  // A small message is copied a word at a time: making the subarray view that set() needs costs
  // more than the copy itself (64 bytes on one thread: about 40 ns of CPU this way, 90 with a
  // view). Payloads start 8-aligned (records are); `into` must be 4-aligned, and its word view is kept
  // for the next call, since a consumer usually reads into the same buffer.
  private copyWords(offset: number, len: number, into: Uint8Array): void {
    if (into !== this.intoOf) {
      this.intoOf = into;
      this.intoWords = new Int32Array(into.buffer, into.byteOffset, into.length >> 2);
    }
    const to = this.intoWords!;
    const from = this.dataWords;
    const first = (this.data.byteOffset + offset) >> 2;
    const words = len >> 2;
    for (let k = 0; k < words; k++) to[k] = from[first + k];
    for (let k = words << 2; k < len; k++) into[k] = this.data[offset + k];
  }

  private intoOf: Uint8Array | undefined;
  private intoWords: Int32Array | undefined;

  /** The next message, copied, and released; null when empty. */
  pop(): Uint8Array | null {
    const view = this.peek();
    if (!view) {
      this.release(); // padding peek skipped is room the producer may be waiting for
      return null;
    }
    const copy = view.slice();
    this.consume();
    this.release();
    return copy;
  }

  /** Up to `max` messages, copied, with one release. */
  popBatch(max = Infinity): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let view = this.peek(); view && out.length < max; view = out.length < max ? this.peek() : null) {
      out.push(view.slice());
      this.consume();
    }
    this.release();
    return out;
  }

  /**
   * Sleeps until a message is there (true) or timeoutMs passes / the VM is stopped (false).
   * It announces the sleep (data_event) and looks again first, so no message is missed, and a
   * busy producer never rings.
   */
  wait(options: { timeoutMs?: number } = {}): boolean {
    const deadline = deadlineOf(options.timeoutMs);
    for (;;) {
      const tail = this.prepareWait();
      if (tail === undefined) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!this.doorbell.wait(this.header, R.RING_H_HEAD / 4, tail, Math.min(left, 2 ** 31))) return false;
    }
  }

  async waitAsync(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const deadline = deadlineOf(options.timeoutMs);
    for (;;) {
      const tail = this.prepareWait();
      if (tail === undefined) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!(await this.doorbell.waitAsync(this.header, R.RING_H_HEAD / 4, tail, Math.min(left, 2 ** 31)))) return false;
    }
  }

  /** pop, sleeping while empty; null on timeout. */
  popWait(options: { timeoutMs?: number } = {}): Uint8Array | null {
    return this.pop() ?? (this.wait(options) ? this.pop() : null);
  }

  async popAsync(options: { timeoutMs?: number } = {}): Promise<Uint8Array | null> {
    return this.pop() ?? ((await this.waitAsync(options)) ? this.pop() : null);
  }

  // Empty: release, announce the sleep, look again. Returns the tail to sleep on (head == tail
  // while empty), or undefined when a message is there.
  private prepareWait(): number | undefined {
    if (this.peek()) return undefined;
    // after peek: padding it skipped is freed too, or a producer waiting for room would sleep on
    this.release();
    this.sleeps++;
    if (this.check(this.core.ringPrepareWait(this.state)) === 1) return undefined;
    return this.field(R.RING_S_INDEX) | 0;
  }
}

/** Messages up to this many bytes are copied out by read() a word at a time. */
const SMALL_COPY = 256;

function deadlineOf(timeoutMs: number | undefined): number {
  return timeoutMs === undefined || timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
}
