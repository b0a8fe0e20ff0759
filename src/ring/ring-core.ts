// The context a ring works in (the core's ring exports, assembly/virtqueue.ts and assembly/ring.ts,
// and the shared memory's buffer), and the error a broken ring throws.
import * as R from '../../assembly/ring-layout.ts';
import type { RingCore } from '../core/core.ts';
import { QemuError } from '../errors.ts';

/**
 * Where rings live: the core instance and the shared memory it works on. On the host:
 * `{ core: host.core, buffer: host.memory.buffer }`; in a guest program: `ringContext(vm)`.
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

/** Checks that a private state block is inside the memory and outside the peer's region. */
export function checkStateBlock(what: string, buffer: ArrayBufferLike, state: number, bytes: number, region: RingRegion): void {
  if (!Number.isInteger(state) || state <= 0 || state + bytes > buffer.byteLength) {
    throw new QemuError(`${what}: the state block [${state}, +${bytes}) is not inside the shared memory`);
  }
  if (state < region.offset + region.size && region.offset < state + bytes) {
    throw new QemuError(`${what}: the state block [${state}, +${bytes}) overlaps the region the peer writes`);
  }
}

export function checkRegion(what: string, buffer: ArrayBufferLike, region: RingRegion): void {
  const { offset, size } = region;
  if (!Number.isInteger(offset) || !Number.isInteger(size) || offset < 0 || size <= 0 || offset + size > buffer.byteLength) {
    throw new QemuError(`${what}: the region [${offset}, +${size}) is not inside the shared memory`);
  }
}
