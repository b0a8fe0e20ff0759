// The virtio 1.x split virtqueue (virtio spec 2.7), driver side and device side, over a region of
// the shared memory that plays the queue's "guest physical address space": guest physical
// address A is the byte at region base + A, for 0 <= A < region size. Every address in the
// queue (the three parts' positions, a descriptor's addr) is such a region offset.
//
// In the region, exactly as a virtio driver lays them out (all little-endian, N = queue size,
// a power of two <= 32768; desc aligned 16, avail 2, used 4):
//
//   desc  +0        {le64 addr; le32 len; le16 flags; le16 next}[N]     16*N bytes
//                   flags: NEXT 1, WRITE 2 (device writes), INDIRECT 4 (addr/len is a table)
//   avail +0        le16 flags (NO_INTERRUPT 1)                          written by the driver
//         +2        le16 idx (free-running)
//         +4        le16 ring[N] (chain heads)
//         +4+2N     le16 used_event (EVENT_IDX: interrupt me when used idx passes it)
//   used  +0        le16 flags (NO_NOTIFY 1)                             written by the device
//         +2        le16 idx (free-running)
//         +4        {le32 id; le32 len}[N] (chain head, bytes written)
//         +4+8N     le16 avail_event (EVENT_IDX: notify me when avail idx passes it)
//
// Each side also has a private state block (assembly/ring-layout.ts, VQ_S_*), which its peer
// cannot reach: the private indices, the driver's free list, the last chain popped. The peer is
// untrusted, as in QEMU's virtqueue_split_pop and Linux's virtqueue_get_buf: each shared index
// is read once into a local and bounded, every address and length is checked against the region,
// a chain takes at most N steps, and the first violation marks the queue broken (an error code
// and a counter in the state block); from then on every call returns RING_BROKEN and touches
// nothing. The core allocates nothing: the caller passes the state block's address.
// Tracing (assembly/trace.ts): a driver publish is a TRACE_RING_PUSH, a device publish a
// TRACE_RING_POP event {device -1, peer = 1 if it asked for a notification/interrupt,
// vector = the address of avail idx / used idx, value = chains published}.
import {
  VIRTQ_DESC_SIZE, VIRTQ_DESC_ADDR, VIRTQ_DESC_LEN, VIRTQ_DESC_FLAGS, VIRTQ_DESC_NEXT,
  VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTQ_AVAIL_FLAGS, VIRTQ_AVAIL_IDX,
  VIRTQ_AVAIL_RING, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_FLAGS, VIRTQ_USED_IDX, VIRTQ_USED_RING,
  VIRTQ_USED_ELEM_SIZE, VIRTQ_USED_F_NO_NOTIFY, VQ_MAX_SIZE,
  VQ_S_REGION_BASE, VQ_S_REGION_SIZE, VQ_S_SIZE, VQ_S_DESC, VQ_S_AVAIL, VQ_S_USED, VQ_S_FLAGS,
  VQ_S_ERROR, VQ_S_VIOLATIONS, VQ_S_AVAIL_IDX, VQ_S_USED_IDX, VQ_S_NUM_FREE, VQ_S_FREE_HEAD,
  VQ_S_OUT_NUM, VQ_S_IN_NUM, VQ_S_LAST_LEN, VQ_S_SIGNALLED, VQ_S_NOTIFIES, VQ_S_SUPPRESSED,
  VQ_STATE_HEADER, VQ_SCRATCH_SIZE, VQ_PER_DESC_SIZE, VQ_EVENT_IDX,
  RING_EMPTY, RING_BROKEN, RING_BAD_ARGUMENT,
  E_LAYOUT, E_AVAIL_IDX, E_HEAD, E_DESC_RANGE, E_DESC_LEN, E_LOOP, E_NEXT, E_INDIRECT, E_ORDER,
  E_USED_IDX, E_USED_ID, E_USED_LEN,
} from './ring-layout';
import { TRACE_RING_PUSH, TRACE_RING_POP } from './trace-layout';
import { traceEvent } from './trace';

// ---- the state block

function vqStateBytes(size: u32): u32 {
  return VQ_STATE_HEADER + size * (VQ_SCRATCH_SIZE + VQ_PER_DESC_SIZE);
}

@inline function get(q: u32, field: u32): u32 { return load<u32>(q + field); }
@inline function set(q: u32, field: u32, value: u32): void { store<u32>(q + field, value); }
@inline function bump(q: u32, field: u32): void { store<u32>(q + field, load<u32>(q + field) + 1); }

// Absolute address of a region offset the caller has already bounded.
@inline function at(q: u32, offset: u32): u32 { return get(q, VQ_S_REGION_BASE) + offset; }

function scratch(q: u32, i: u32): u32 { return q + VQ_STATE_HEADER + i * VQ_SCRATCH_SIZE; }
function perDesc(q: u32, i: u32): u32 {
  return q + VQ_STATE_HEADER + get(q, VQ_S_SIZE) * VQ_SCRATCH_SIZE + i * VQ_PER_DESC_SIZE;
}

// The first violation wins; later calls see a broken queue and stop before touching it.
function fail(q: u32, code: u32): i32 {
  if (get(q, VQ_S_ERROR) == 0) set(q, VQ_S_ERROR, code);
  bump(q, VQ_S_VIOLATIONS);
  return RING_BROKEN;
}

@inline function broken(q: u32): bool { return get(q, VQ_S_ERROR) != 0; }

// [offset, offset + length) lies in the region (64-bit arithmetic: no wrap-around).
@inline function inRegion(q: u32, offset: u64, length: u64): bool {
  return offset + length <= <u64>get(q, VQ_S_REGION_SIZE);
}

// virtio's vring_need_event: notify when new_idx has passed event since old.
@inline export function needEvent(event: u32, newIdx: u32, old: u32): bool {
  return ((newIdx - event - 1) & 0xffff) < ((newIdx - old) & 0xffff);
}

// Sets up a side's state for a queue at the given region offsets. The driver (role 0) also
// zeroes the three parts, as a driver hands zeroed memory to its device. Returns 0 or E_LAYOUT.
export function vqInit(
  q: u32, regionBase: u32, regionSize: u32, size: u32, desc: u32, avail: u32, used: u32,
  flags: u32, driver: u32,
): i32 {
  if (size == 0 || size > <u32>VQ_MAX_SIZE || (size & (size - 1)) != 0) return E_LAYOUT;
  if (((regionBase + desc) & 15) != 0 || ((regionBase + avail) & 1) != 0 || ((regionBase + used) & 3) != 0) return E_LAYOUT;
  if (<u64>regionBase + <u64>regionSize > (<u64>memory.size() << 16)) return E_LAYOUT;
  if (<u64>desc + <u64>size * VIRTQ_DESC_SIZE > <u64>regionSize) return E_LAYOUT;
  if (<u64>avail + 6 + <u64>size * 2 > <u64>regionSize) return E_LAYOUT;
  if (<u64>used + 6 + <u64>size * VIRTQ_USED_ELEM_SIZE > <u64>regionSize) return E_LAYOUT;
  memory.fill(q, 0, vqStateBytes(size));
  set(q, VQ_S_REGION_BASE, regionBase);
  set(q, VQ_S_REGION_SIZE, regionSize);
  set(q, VQ_S_SIZE, size);
  set(q, VQ_S_DESC, desc);
  set(q, VQ_S_AVAIL, avail);
  set(q, VQ_S_USED, used);
  set(q, VQ_S_FLAGS, flags);
  if (driver != 0) {
    memory.fill(regionBase + desc, 0, size * VIRTQ_DESC_SIZE);
    memory.fill(regionBase + avail, 0, 6 + size * 2);
    memory.fill(regionBase + used, 0, 6 + size * VIRTQ_USED_ELEM_SIZE);
    set(q, VQ_S_NUM_FREE, size);
    for (let i: u32 = 0; i < size; i++) store<u16>(perDesc(q, i), <u16>(i + 1));
  }
  return 0;
}

// The shared words, each read or written once per use, atomically (they are 2-byte aligned).
@inline function availIdxAt(q: u32): u32 { return at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_IDX); }
@inline function usedIdxAt(q: u32): u32 { return at(q, get(q, VQ_S_USED) + VIRTQ_USED_IDX); }
@inline function usedEventAt(q: u32): u32 { return at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_RING + get(q, VQ_S_SIZE) * 2); }
@inline function availEventAt(q: u32): u32 {
  return at(q, get(q, VQ_S_USED) + VIRTQ_USED_RING + get(q, VQ_S_SIZE) * VIRTQ_USED_ELEM_SIZE);
}
@inline function eventIdx(q: u32): bool { return (get(q, VQ_S_FLAGS) & VQ_EVENT_IDX) != 0; }

// ---- driver side

// Adds a chain made of the first `count` scratch entries ({addr, len, flags} with flags WRITE
// or 0; readable ones first). With table != -1 the entries go into an indirect table at that
// region offset and the chain takes one descriptor. Not visible to the device until
// vqDriverPublish. Returns the head, RING_EMPTY when there are not enough free descriptors,
// RING_BAD_ARGUMENT for an impossible chain, RING_BROKEN.
export function vqDriverAdd(q: u32, count: u32, table: i32): i32 {
  if (broken(q)) return RING_BROKEN;
  const size = get(q, VQ_S_SIZE);
  if (count == 0 || count > size) return RING_BAD_ARGUMENT;
  let writable: u64 = 0;
  let seenWrite = false;
  for (let k: u32 = 0; k < count; k++) {
    const e = scratch(q, k);
    const flags = load<u32>(e + 8);
    if ((flags & ~VIRTQ_DESC_F_WRITE) != 0 || load<u32>(e + 4) == 0) return RING_BAD_ARGUMENT;
    if (!inRegion(q, load<u32>(e), load<u32>(e + 4))) return RING_BAD_ARGUMENT;
    if ((flags & VIRTQ_DESC_F_WRITE) != 0) { seenWrite = true; writable += load<u32>(e + 4); } else if (seenWrite) return RING_BAD_ARGUMENT;
  }
  if (writable > 0xffffffff) return RING_BAD_ARGUMENT;
  const indirect = table >= 0;
  if (indirect && (((<u32>table) & 15) != 0 || !inRegion(q, <u32>table, <u64>count * VIRTQ_DESC_SIZE))) return RING_BAD_ARGUMENT;
  const needed: u32 = indirect ? 1 : count;
  if (get(q, VQ_S_NUM_FREE) < needed) return RING_EMPTY;
  const head = get(q, VQ_S_FREE_HEAD);
  const descBase = at(q, get(q, VQ_S_DESC));
  if (indirect) {
    const tableAt = at(q, <u32>table);
    for (let k: u32 = 0; k < count; k++) {
      const last = k + 1 == count;
      writeDesc(tableAt + k * VIRTQ_DESC_SIZE, scratch(q, k), last ? 0 : VIRTQ_DESC_F_NEXT, last ? 0 : k + 1);
    }
    const d = descBase + head * VIRTQ_DESC_SIZE;
    store<u64>(d + VIRTQ_DESC_ADDR, <u64><u32>table);
    store<u32>(d + VIRTQ_DESC_LEN, count * VIRTQ_DESC_SIZE);
    store<u16>(d + VIRTQ_DESC_FLAGS, VIRTQ_DESC_F_INDIRECT);
    store<u16>(d + VIRTQ_DESC_NEXT, 0);
    set(q, VQ_S_FREE_HEAD, load<u16>(perDesc(q, head)));
  } else {
    let i = head;
    for (let k: u32 = 0; k < count; k++) {
      const next = <u32>load<u16>(perDesc(q, i));
      const last = k + 1 == count;
      writeDesc(descBase + i * VIRTQ_DESC_SIZE, scratch(q, k), last ? 0 : VIRTQ_DESC_F_NEXT, last ? 0 : next);
      if (last) set(q, VQ_S_FREE_HEAD, next);
      i = next;
    }
  }
  set(q, VQ_S_NUM_FREE, get(q, VQ_S_NUM_FREE) - needed);
  store<u16>(perDesc(q, head) + 2, <u16>needed);
  store<u32>(perDesc(q, head) + 4, <u32>writable);
  const idx = get(q, VQ_S_AVAIL_IDX);
  store<u16>(at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_RING + (idx & (size - 1)) * 2), <u16>head);
  set(q, VQ_S_AVAIL_IDX, (idx + 1) & 0xffff);
  return <i32>head;
}

function writeDesc(d: u32, e: u32, flags: u32, next: u32): void {
  store<u64>(d + VIRTQ_DESC_ADDR, <u64>load<u32>(e));
  store<u32>(d + VIRTQ_DESC_LEN, load<u32>(e + 4));
  store<u16>(d + VIRTQ_DESC_FLAGS, <u16>(load<u32>(e + 8) | flags));
  store<u16>(d + VIRTQ_DESC_NEXT, <u16>next);
}

// Makes the chains added so far visible (one store of avail idx). Returns 1 when the device
// wants a notification (QueueNotify / a doorbell): with EVENT_IDX when avail idx passed its
// avail_event, else unless it set NO_NOTIFY.
export function vqDriverPublish(q: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const newIdx = get(q, VQ_S_AVAIL_IDX);
  const old = get(q, VQ_S_SIGNALLED);
  if (newIdx == old) return 0;
  atomic.store<u16>(availIdxAt(q), <u16>newIdx);
  set(q, VQ_S_SIGNALLED, newIdx);
  const need = eventIdx(q)
    ? needEvent(<u32>atomic.load<u16>(availEventAt(q)), newIdx, old)
    : (<u32>atomic.load<u16>(at(q, get(q, VQ_S_USED) + VIRTQ_USED_FLAGS)) & VIRTQ_USED_F_NO_NOTIFY) == 0;
  bump(q, need ? VQ_S_NOTIFIES : VQ_S_SUPPRESSED);
  traceEvent(TRACE_RING_PUSH, -1, need ? 1 : 0, <i32>availIdxAt(q), <i32>((newIdx - old) & 0xffff));
  return need ? 1 : 0;
}

// Takes the next used chain: returns its head (the length the device wrote is in
// VQ_S_LAST_LEN) and frees its descriptors; RING_EMPTY when there is none; RING_BROKEN.
export function vqDriverGetUsed(q: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const size = get(q, VQ_S_SIZE);
  const last = get(q, VQ_S_USED_IDX);
  const usedIdx = <u32>atomic.load<u16>(usedIdxAt(q));
  const ready = (usedIdx - last) & 0xffff;
  if (ready == 0) return RING_EMPTY;
  // Chains in flight = added and published, minus used: the device cannot return more.
  const inFlight = (get(q, VQ_S_SIGNALLED) - last) & 0xffff;
  if (ready > inFlight) return fail(q, E_USED_IDX);
  const elem = at(q, get(q, VQ_S_USED) + VIRTQ_USED_RING + (last & (size - 1)) * VIRTQ_USED_ELEM_SIZE);
  const id = atomic.load<u32>(elem);
  const len = atomic.load<u32>(elem + 4);
  if (id >= size) return fail(q, E_USED_ID);
  const p = perDesc(q, id);
  const descs = <u32>load<u16>(p + 2);
  if (descs == 0) return fail(q, E_USED_ID);
  if (len > load<u32>(p + 4)) return fail(q, E_USED_LEN);
  // Return the chain to the free list: the private next links still describe it.
  let tail = id;
  for (let k: u32 = 1; k < descs; k++) tail = <u32>load<u16>(perDesc(q, tail));
  store<u16>(perDesc(q, tail), <u16>get(q, VQ_S_FREE_HEAD));
  set(q, VQ_S_FREE_HEAD, id);
  store<u16>(p + 2, 0);
  set(q, VQ_S_NUM_FREE, get(q, VQ_S_NUM_FREE) + descs);
  set(q, VQ_S_USED_IDX, (last + 1) & 0xffff);
  set(q, VQ_S_LAST_LEN, len);
  return <i32>id;
}

// Asks for interrupts (enable != 0) or not. Returns 1 if used chains are already waiting, so a
// driver about to sleep checks again instead (the lost-wakeup race), RING_BROKEN.
export function vqDriverSetInterrupts(q: u32, enable: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const last = get(q, VQ_S_USED_IDX);
  if (eventIdx(q)) {
    if (enable != 0) atomic.store<u16>(usedEventAt(q), <u16>last);
  } else {
    atomic.store<u16>(at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_FLAGS), enable != 0 ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT);
  }
  return <u32>atomic.load<u16>(usedIdxAt(q)) != last ? 1 : 0;
}

// ---- device side

// Pops the next available chain into the scratch entries (readable ones first; their counts in
// VQ_S_OUT_NUM and VQ_S_IN_NUM). Returns the head, RING_EMPTY, RING_BROKEN.
export function vqDevicePop(q: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const size = get(q, VQ_S_SIZE);
  const last = get(q, VQ_S_AVAIL_IDX);
  const availIdx = <u32>atomic.load<u16>(availIdxAt(q));
  const pending = (availIdx - last) & 0xffff;
  if (pending == 0) return RING_EMPTY;
  if (pending > size) return fail(q, E_AVAIL_IDX);
  const head = <u32>atomic.load<u16>(at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_RING + (last & (size - 1)) * 2));
  if (head >= size) return fail(q, E_HEAD);
  let table = at(q, get(q, VQ_S_DESC));
  let max = size;
  let i = head;
  let d = table + i * VIRTQ_DESC_SIZE;
  let addr = load<u64>(d + VIRTQ_DESC_ADDR);
  let len = load<u32>(d + VIRTQ_DESC_LEN);
  let flags = <u32>load<u16>(d + VIRTQ_DESC_FLAGS);
  let next = <u32>load<u16>(d + VIRTQ_DESC_NEXT);
  if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
    if ((flags & VIRTQ_DESC_F_NEXT) != 0 || len == 0 || len % VIRTQ_DESC_SIZE != 0 || len / VIRTQ_DESC_SIZE > size) {
      return fail(q, E_INDIRECT);
    }
    if (!inRegion(q, addr, len)) return fail(q, E_DESC_RANGE);
    table = at(q, <u32>addr);
    max = len / VIRTQ_DESC_SIZE;
    i = 0;
    d = table;
    addr = load<u64>(d + VIRTQ_DESC_ADDR);
    len = load<u32>(d + VIRTQ_DESC_LEN);
    flags = <u32>load<u16>(d + VIRTQ_DESC_FLAGS);
    next = <u32>load<u16>(d + VIRTQ_DESC_NEXT);
  }
  let outNum: u32 = 0;
  let inNum: u32 = 0;
  while (true) {
    if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) return fail(q, E_INDIRECT);
    if (len == 0) return fail(q, E_DESC_LEN);
    if (!inRegion(q, addr, len)) return fail(q, E_DESC_RANGE);
    const steps = outNum + inNum;
    if (steps >= max) return fail(q, E_LOOP);
    const writable = (flags & VIRTQ_DESC_F_WRITE) != 0;
    if (!writable && inNum != 0) return fail(q, E_ORDER);
    const e = scratch(q, steps);
    store<u32>(e, <u32>addr);
    store<u32>(e + 4, len);
    store<u32>(e + 8, writable ? VIRTQ_DESC_F_WRITE : 0);
    if (writable) inNum++; else outNum++;
    if ((flags & VIRTQ_DESC_F_NEXT) == 0) break;
    if (next >= max) return fail(q, E_NEXT);
    d = table + next * VIRTQ_DESC_SIZE;
    addr = load<u64>(d + VIRTQ_DESC_ADDR);
    len = load<u32>(d + VIRTQ_DESC_LEN);
    flags = <u32>load<u16>(d + VIRTQ_DESC_FLAGS);
    next = <u32>load<u16>(d + VIRTQ_DESC_NEXT);
  }
  set(q, VQ_S_OUT_NUM, outNum);
  set(q, VQ_S_IN_NUM, inNum);
  set(q, VQ_S_AVAIL_IDX, (last + 1) & 0xffff);
  // As QEMU's virtqueue_split_pop: with EVENT_IDX, ask to be notified of anything newer.
  if (eventIdx(q)) atomic.store<u16>(availEventAt(q), <u16>(last + 1));
  return <i32>head;
}

// Returns a chain to the driver with the number of bytes written into it. Not visible until
// vqDevicePublish. RING_BAD_ARGUMENT for a head >= N.
export function vqDevicePush(q: u32, head: u32, len: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const size = get(q, VQ_S_SIZE);
  if (head >= size) return RING_BAD_ARGUMENT;
  const idx = get(q, VQ_S_USED_IDX);
  const elem = at(q, get(q, VQ_S_USED) + VIRTQ_USED_RING + (idx & (size - 1)) * VIRTQ_USED_ELEM_SIZE);
  atomic.store<u32>(elem, head);
  atomic.store<u32>(elem + 4, len);
  set(q, VQ_S_USED_IDX, (idx + 1) & 0xffff);
  return 0;
}

// Makes the pushed chains visible (one store of used idx). Returns 1 when the driver wants an
// interrupt: with EVENT_IDX when used idx passed its used_event, else unless NO_INTERRUPT.
export function vqDevicePublish(q: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const newIdx = get(q, VQ_S_USED_IDX);
  const old = get(q, VQ_S_SIGNALLED);
  if (newIdx == old) return 0;
  atomic.store<u16>(usedIdxAt(q), <u16>newIdx);
  set(q, VQ_S_SIGNALLED, newIdx);
  const need = eventIdx(q)
    ? needEvent(<u32>atomic.load<u16>(usedEventAt(q)), newIdx, old)
    : (<u32>atomic.load<u16>(at(q, get(q, VQ_S_AVAIL) + VIRTQ_AVAIL_FLAGS)) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
  bump(q, need ? VQ_S_NOTIFIES : VQ_S_SUPPRESSED);
  traceEvent(TRACE_RING_POP, -1, need ? 1 : 0, <i32>usedIdxAt(q), <i32>((newIdx - old) & 0xffff));
  return need ? 1 : 0;
}

// Asks for notifications (enable != 0) or not, as QEMU's virtio_queue_set_notification. Returns
// 1 if chains are already available, so a device about to sleep checks again, RING_BROKEN.
export function vqDeviceSetNotify(q: u32, enable: u32): i32 {
  if (broken(q)) return RING_BROKEN;
  const availIdx = <u32>atomic.load<u16>(availIdxAt(q));
  if (eventIdx(q)) {
    if (enable != 0) atomic.store<u16>(availEventAt(q), <u16>availIdx);
  } else {
    atomic.store<u16>(at(q, get(q, VQ_S_USED) + VIRTQ_USED_FLAGS), enable != 0 ? 0 : VIRTQ_USED_F_NO_NOTIFY);
  }
  return <u32>atomic.load<u16>(availIdxAt(q)) != get(q, VQ_S_AVAIL_IDX) ? 1 : 0;
}
