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
import { AccessError, QemuError, checkInteger, checkObject, checkString, show } from '../errors.ts';
import { futexDoorbell, type Doorbell } from './doorbell.ts';
import {
  checkContext, checkPowerOfTwo, checkRegion, checkStateBlock, RingBrokenError, U32_MAX, type RingContext, type RingRegion,
} from './ring-core.ts';

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
  return R.RING_DATA + checkPowerOfTwo('message ring: capacity', capacity, R.RING_MIN_CAPACITY, R.RING_MAX_CAPACITY);
}

/** Lays out an empty ring of `capacity` bytes (a power of two, 64..2^30) at region + at. */
export function formatMessageRing(context: RingContext, region: RingRegion, capacity: number, at = 0): void {
  checkContext('message ring', context);
  const address = ringAddress('message ring', checkRegion('message ring', context.buffer, region), at, messageRingBytes(capacity));
  // Reached only when the buffer is not the core's memory: the core bounds the ring by its own.
  if (context.core.ringFormat(address, capacity) !== 0) {
    throw new QemuError(`message ring: the core refused a ring at ${address} (is the context's buffer the core's memory?)`);
  }
}

// The address of a ring of `bytes` bytes at `at` in the region: the offset is a u32 (the core
// would wrap a larger one), the ring lies inside the region, and its address is 64-byte aligned
// (the core's layout puts head and tail on cache lines of their own, and refuses it otherwise).
function ringAddress(what: string, region: RingRegion, at: unknown, bytes: number): number {
  const offset = checkInteger(`${what}: the ring's offset (at)`, at, 0, U32_MAX);
  if (offset + bytes > region.size) throw new QemuError(`${what}: ${bytes} bytes at ${offset} do not fit the ${region.size}-byte region`);
  const address = region.offset + offset;
  if (address % 64 !== 0) throw new QemuError(`${what}: at ${offset} puts the ring at address ${address}, which is not 64-byte aligned`);
  return address;
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
    const role = `message ring (${producer ? 'producer' : 'consumer'})`;
    checkObject(`${role}: the options`, options);
    this.name = options.name === undefined ? role : checkString(`${role}: the name`, options.name);
    checkContext(this.name, context);
    const region = checkRegion(this.name, context.buffer, options.region);
    const state = checkStateBlock(this.name, context.buffer, options.state, R.RING_STATE_BYTES, region);
    const ring = ringAddress(this.name, region, options.at === undefined ? 0 : options.at, R.RING_DATA);
    const doorbell = options.doorbell === undefined ? futexDoorbell() : options.doorbell;
    if (typeof doorbell !== 'object' || doorbell === null || typeof doorbell.ring !== 'function' || typeof doorbell.wait !== 'function' || typeof doorbell.waitAsync !== 'function') {
      throw new QemuError(`${this.name}: the doorbell must be a Doorbell { ring, wait, waitAsync }, not ${show(doorbell)}`);
    }
    this.core = context.core;
    this.state = state;
    this.words = new Uint32Array(context.buffer, state, R.RING_STATE_BYTES / 4);
    if (this.core.ringAttach(state, ring, region.offset + region.size, producer ? 1 : 0) !== 0) {
      throw new RingBrokenError(this.name, R.E_RING_HEADER);
    }
    this.capacity = this.field(R.RING_S_CAPACITY);
    this.header = new Int32Array(context.buffer, ring, R.RING_DATA / 4);
    this.data = new Uint8Array(context.buffer, ring + R.RING_DATA, this.capacity);
    this.doorbell = doorbell;
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
    const offset = this.reserveOffset(this.checkLength('the message length', len));
    return offset < 0 ? null : this.data.subarray(offset, offset + len);
  }

  /** Commits the reserved message with its final length (<= the reserved one). */
  commit(len: number): void {
    // checked here: the core takes a u32, and NaN or 2^32 + 1 would commit 0 or 1 bytes
    this.checkLength('commit\'s length', len);
    if (this.check(this.core.ringCommit(this.state, len)) === R.RING_BAD_ARGUMENT) {
      throw new AccessError(`${this.name}: commit(${len}) without a reservation of at least ${len} bytes`);
    }
  }

  /** Copies a message in without publishing it (a batch ends with publish()); false when full
   * (then what was written before is published). */
  write(message: Uint8Array): boolean {
    return this.writeChecked(this.checkMessage(message));
  }

  private checkLength(what: string, len: unknown): number {
    return checkInteger(`${this.name}: ${what}`, len, 0, this.maxMessage, AccessError);
  }

  private checkMessage(message: unknown): Uint8Array {
    if (!(message instanceof Uint8Array)) throw new AccessError(`${this.name}: a message must be a Uint8Array, not ${show(message)}`);
    this.checkLength('the message length', message.length);
    return message;
  }

  private writeChecked(message: Uint8Array): boolean {
    const offset = this.check(this.core.ringWrite(this.state, message.length));
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
    // all checked first: a bad one further on must not leave the ones before it written
    if (!Array.isArray(messages)) throw new AccessError(`${this.name}: pushBatch takes an array of messages, not ${show(messages)}`);
    for (const message of messages) this.checkMessage(message);
    let n = 0;
    while (n < messages.length && this.writeChecked(messages[n])) n++;
    this.publish();
    return n;
  }

  /** push, sleeping while the ring is full; false on timeout (or a stopped VM). */
  pushWait(message: Uint8Array, options: { timeoutMs?: number } = {}): boolean {
    const deadline = deadlineOf(this.name, options);
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
    const deadline = deadlineOf(this.name, options);
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

  /** peek() found a message that consume() has not taken yet. */
  private peeked = false;

  /** The next message as a view into the ring (valid until consume()), or null. */
  peek(): Uint8Array | null {
    const offset = this.core.ringPeek(this.state);
    this.peeked = offset >= 0;
    return this.check(offset) < 0 ? null : this.payload(offset);
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
    // The core moves the tail by the length it last peeked: with no message peeked it would move
    // past what was published, and the producer would take the ring for broken.
    if (!this.peeked) throw new AccessError(`${this.name}: consume() without a message from peek()`);
    this.peeked = false;
    this.core.ringConsume(this.state);
  }

  /** Frees what was consumed: one store; rings the doorbell only if the producer waits for room. */
  release(): void {
    if (this.check(this.core.ringRelease(this.state)) === 1) this.doorbell.ring(this.header, R.RING_H_TAIL / 4);
  }

  /** Copies the next message into `into` without releasing it: its length, or -1 when empty. */
  read(into: Uint8Array): number {
    if (!(into instanceof Uint8Array)) throw new AccessError(`${this.name}: read's buffer (into) must be a Uint8Array, not ${show(into)}`);
    // One call when any message fits `into`; else look first, so a message too big for it is
    // refused without being consumed.
    const whole = into.length >= this.capacity - R.RING_RECORD_HEADER;
    const result = whole ? this.core.ringRead(this.state) : this.core.ringPeek(this.state);
    this.peeked = false; // read takes the message itself, or refuses it until the next peek()
    const offset = this.check(result);
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
    if (max !== Infinity) checkInteger(`${this.name}: popBatch's max, if not Infinity,`, max, 0, Number.MAX_SAFE_INTEGER, AccessError);
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
    return this.waitUntil(deadlineOf(this.name, options));
  }

  async waitAsync(options: { timeoutMs?: number } = {}): Promise<boolean> {
    return this.waitUntilAsync(deadlineOf(this.name, options));
  }

  /** pop, sleeping while empty; null on timeout. */
  popWait(options: { timeoutMs?: number } = {}): Uint8Array | null {
    const deadline = deadlineOf(this.name, options); // before the pop: a refused call pops nothing
    return this.pop() ?? (this.waitUntil(deadline) ? this.pop() : null);
  }

  async popAsync(options: { timeoutMs?: number } = {}): Promise<Uint8Array | null> {
    const deadline = deadlineOf(this.name, options);
    return this.pop() ?? ((await this.waitUntilAsync(deadline)) ? this.pop() : null);
  }

  private waitUntil(deadline: number): boolean {
    for (;;) {
      const tail = this.prepareWait();
      if (tail === undefined) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!this.doorbell.wait(this.header, R.RING_H_HEAD / 4, tail, Math.min(left, 2 ** 31))) return false;
    }
  }

  private async waitUntilAsync(deadline: number): Promise<boolean> {
    for (;;) {
      const tail = this.prepareWait();
      if (tail === undefined) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      if (!(await this.doorbell.waitAsync(this.header, R.RING_H_HEAD / 4, tail, Math.min(left, 2 ** 31)))) return false;
    }
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

// When a wait gives up: timeoutMs is a number of milliseconds, negative or absent for never. NaN
// (which Atomics.wait takes as for ever) and a string (which `+` would concatenate) are refused.
function deadlineOf(what: string, options: unknown): number {
  const { timeoutMs } = checkObject(`${what}: the options`, options, AccessError);
  if (timeoutMs === undefined) return Infinity;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
    throw new AccessError(`${what}: timeoutMs must be a number of milliseconds (negative or absent: wait for ever), not ${show(timeoutMs)}`);
  }
  return timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
}
