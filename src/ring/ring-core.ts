// The context a ring works in (the core's ring exports, assembly/virtqueue.ts and assembly/ring.ts,
// and the shared memory's buffer), and the error a broken ring throws.
import * as R from '../../assembly/ring-layout.ts';
import type { RingCore } from '../core/core.ts';
import { QemuError, checkObject, show } from '../errors.ts';

/**
 * Where rings live: the core instance and the shared memory it works on: `host.ringContext` on the
 * host, `guestRings(vm).context` in a guest program, `await ringContext(memory)` in a worker of
 * one's own.
 */
export interface RingContext {
  core: RingCore;
  buffer: ArrayBufferLike;
}

/** A region of the shared memory: [offset, offset + size). */
export interface RingRegion {
  offset: number;
  size: number;
}

export const ERROR_NAMES: Record<number, string> = {
  [R.E_LAYOUT]: 'the queue does not fit its region or is misaligned',
  [R.E_AVAIL_IDX]: 'avail idx moved more than the queue size past the last one seen',
  [R.E_HEAD]: 'an avail ring entry is not a descriptor index',
  [R.E_DESC_RANGE]: 'a buffer lies outside the region',
  [R.E_DESC_LEN]: 'a buffer has length 0',
  [R.E_LOOP]: 'a descriptor chain is longer than its table (a loop)',
  [R.E_NEXT]: 'a descriptor\'s next is not in its table',
  [R.E_INDIRECT]: 'a bad indirect table (size, nested, with NEXT, or not at the head)',
  [R.E_ORDER]: 'a readable buffer follows a writable one',
  [R.E_USED_IDX]: 'used idx moved past the chains in flight',
  [R.E_USED_ID]: 'a used id is not the head of a chain in flight',
  [R.E_USED_LEN]: 'a used length exceeds the chain\'s writable bytes',
  [R.E_RING_HEADER]: 'the ring header (magic, version, capacity) is wrong',
  [R.E_RING_INDEX]: 'the peer\'s index is out of bounds',
  [R.E_RING_RECORD]: 'a record length does not fit what was published',
};

/**
 * The peer broke the ring's rules (shared memory it may write held something impossible). The
 * ring is now broken: it will not touch the shared memory again; `code` is the first violation.
 * A virtio device answers with NEEDS_RESET.
 */
export class RingBrokenError extends QemuError {
  override name = 'RingBrokenError';
  constructor(readonly ring: string, readonly code: number) {
    super(`${ring} is broken: ${ERROR_NAMES[code] ?? `error ${code}`} (error ${code})`);
  }
}

/** The largest value the core's u32 arguments hold: an address or length past it would wrap. */
export const U32_MAX = 0xffffffff;

/** Checks the context: an object with the core and a memory buffer (not a view of one). */
export function checkContext(what: string, context: unknown): void {
  const { core, buffer } = typeof context === 'object' && context !== null ? context as Partial<RingContext> : {};
  const kind = Object.prototype.toString.call(buffer);
  if (typeof core !== 'object' || core === null || (kind !== '[object SharedArrayBuffer]' && kind !== '[object ArrayBuffer]')) {
    throw new QemuError(`${what}: the context must be { core, buffer } (the core and its memory's buffer), not ${show(context)}`);
  }
}

/** A size the core indexes with a mask: a power of two in [min, max], or a QemuError naming it. */
export function checkPowerOfTwo(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max || (value & (value - 1)) !== 0) {
    throw new QemuError(`${what} ${show(value)} is not a power of two between ${min} and ${max}`);
  }
  return value;
}

/** Checks that a private state block is inside the memory, 4-aligned and outside the peer's region. */
export function checkStateBlock(what: string, buffer: ArrayBufferLike, state: unknown, bytes: number, region: RingRegion): number {
  if (typeof state !== 'number' || !Number.isInteger(state) || state <= 0 || state + bytes > buffer.byteLength) {
    throw new QemuError(`${what}: the state block [${show(state)}, +${bytes}) is not inside the shared memory`);
  }
  if (state < region.offset + region.size && region.offset < state + bytes) {
    throw new QemuError(`${what}: the state block [${state}, +${bytes}) overlaps the region the peer writes`);
  }
  if (state % 4 !== 0) throw new QemuError(`${what}: the state block must be 4-byte aligned`);
  return state;
}

export function checkRegion(what: string, buffer: ArrayBufferLike, region: unknown): RingRegion {
  const { offset, size } = checkObject(`${what}: the region { offset, size }`, region);
  if (typeof offset !== 'number' || typeof size !== 'number' || !Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size <= 0 || offset + size > buffer.byteLength) {
    throw new QemuError(`${what}: the region [${show(offset)}, +${show(size)}) is not inside the shared memory`);
  }
  return { offset, size };
}
