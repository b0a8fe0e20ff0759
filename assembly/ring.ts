// A single-producer single-consumer message ring placed at any 64-byte aligned address of the
// shared memory (inside a BAR2 region, a memory backend, ...). It does not own its memory: the
// ring is a header and a data area, and each side keeps its private state in a block of its own
// (RING_S_*, assembly/ring-layout.ts) that the peer cannot reach. All little-endian:
//
//   +0    le32 magic 0x474e4952 "RING"   le32 version 2   le32 capacity C   (written by ringFormat,
//         which also zeroes both indices and sets both event words to 0xffffffff: no one sleeps)
//   +64   le32 head         bytes ever written by the producer (free-running, wraps at 2^32)
//   +68   le32 space_event  producer: "doorbell me when tail passes this" (it is about to sleep)
//   +128  le32 tail         bytes ever consumed by the consumer (free-running)
//   +132  le32 data_event   consumer: "doorbell me when head passes this" (it is about to sleep)
//   +192  data[C]          C a power of two, 64 <= C <= 2^30
//
// Data: records at data[index mod C], each le32 len, le32 0 (reserved: written 0, not read),
// then len payload bytes, padded to a multiple of 8, so that every payload is 8-byte aligned
// (JavaScript copies between shared and private memory 8x slower when the two are not equally
// aligned modulo 8, and private buffers are); a record never wraps: when it does not fit before
// the end, the producer writes le32 0xffffffff (padding: skip to data[0]) and starts over at 0.
// head - tail (mod 2^32) is the bytes in flight, always a multiple of 8 and at most C.
//
// Publishing is one atomic store of head (producer) or tail (consumer) per batch. Doorbells are
// suppressed as with virtio's EVENT_IDX: a side about to sleep writes its event word and then
// looks again (so a publish racing with it is never lost); the other side, after publishing,
// rings only when its index passed that event word (vring_need_event in 32 bits).
//
// Tracing (assembly/trace.ts): each publish is a TRACE_RING_PUSH and each release a
// TRACE_RING_POP event {device -1, peer = 1 if it rang the doorbell, vector = the ring's
// address, value = bytes published or freed}.
//
// The peer is untrusted: head (or tail) is read once per call and bounded, every record length
// is checked against what was published and what fits before the end; the first violation marks
// the ring broken (error code, violation count) and every later call returns RING_BROKEN
// without touching the ring.
import {
  RING_MAGIC, RING_VERSION, RING_H_MAGIC, RING_H_VERSION, RING_H_CAPACITY, RING_H_HEAD,
  RING_H_SPACE_EVENT, RING_H_TAIL, RING_H_DATA_EVENT, RING_DATA, RING_MIN_CAPACITY,
  RING_MAX_CAPACITY, RING_RECORD_HEADER, RING_ALIGN, RING_PAD,
  RING_S_BASE, RING_S_CAPACITY, RING_S_INDEX, RING_S_PUBLISHED, RING_S_ERROR, RING_S_VIOLATIONS,
  RING_S_LENGTH, RING_S_RESERVED, RING_S_NOTIFIES, RING_S_SUPPRESSED, RING_S_MESSAGES, RING_S_SEEN_TAIL,
  RING_STATE_BYTES, RING_EMPTY, RING_BROKEN, RING_BAD_ARGUMENT,
  E_RING_HEADER, E_RING_INDEX, E_RING_RECORD,
} from './ring-layout';
import { TRACE_RING_PUSH, TRACE_RING_POP } from './trace-layout';
import { traceEvent } from './trace';

@inline function get(s: u32, field: u32): u32 { return load<u32>(s + field); }
@inline function set(s: u32, field: u32, value: u32): void { store<u32>(s + field, value); }
@inline function bump(s: u32, field: u32): void { store<u32>(s + field, load<u32>(s + field) + 1); }
@inline function broken(s: u32): bool { return get(s, RING_S_ERROR) != 0; }
@inline function word(s: u32, field: u32): u32 { return get(s, RING_S_BASE) + field; }
@inline function recordSize(len: u32): u32 { return RING_RECORD_HEADER + ((len + RING_ALIGN - 1) & ~(RING_ALIGN - 1)); }

function fail(s: u32, code: u32): i32 {
  if (get(s, RING_S_ERROR) == 0) set(s, RING_S_ERROR, code);
  bump(s, RING_S_VIOLATIONS);
  return RING_BROKEN;
}

// 32-bit vring_need_event: the index moved from old to now and passed event on the way.
@inline function needEvent(event: u32, now: u32, old: u32): bool {
  return now - event - 1 < now - old;
}

function validCapacity(capacity: u32): bool {
  return capacity >= <u32>RING_MIN_CAPACITY && capacity <= <u32>RING_MAX_CAPACITY && (capacity & (capacity - 1)) == 0;
}

function fits(ring: u32, capacity: u32, end: u64): bool {
  return (ring & 63) == 0 && <u64>ring + RING_DATA + <u64>capacity <= end && end <= (<u64>memory.size() << 16);
}

// Lays out an empty ring (both indices 0). Returns 0 or RING_BAD_ARGUMENT.
export function ringFormat(ring: u32, capacity: u32): i32 {
  if (!validCapacity(capacity) || !fits(ring, capacity, <u64>memory.size() << 16)) return RING_BAD_ARGUMENT;
  memory.fill(ring, 0, RING_DATA);
  // Nobody sleeps yet: the events sit just behind index 0, so the first publishes ring no one.
  store<u32>(ring + RING_H_SPACE_EVENT, 0xffffffff);
  store<u32>(ring + RING_H_DATA_EVENT, 0xffffffff);
  store<u32>(ring + RING_H_VERSION, RING_VERSION);
  store<u32>(ring + RING_H_CAPACITY, capacity);
  atomic.store<u32>(ring + RING_H_MAGIC, RING_MAGIC);
  return 0;
}

// Attaches one side (producer != 0: the producer) to the ring at `ring`, which must end before
// `end` (the end of the region it lives in). The header is read once, here, and kept private.
// Returns 0 or E_RING_HEADER (the state is then broken with that code).
export function ringAttach(s: u32, ring: u32, end: u32, producer: u32): i32 {
  memory.fill(s, 0, RING_STATE_BYTES);
  set(s, RING_S_BASE, ring);
  if ((ring & 63) != 0 || <u64>ring + RING_DATA > <u64>end || <u64>end > (<u64>memory.size() << 16)) {
    fail(s, E_RING_HEADER);
    return E_RING_HEADER;
  }
  const capacity = atomic.load<u32>(ring + RING_H_CAPACITY);
  if (atomic.load<u32>(ring + RING_H_MAGIC) != RING_MAGIC || atomic.load<u32>(ring + RING_H_VERSION) != RING_VERSION
    || !validCapacity(capacity) || !fits(ring, capacity, end)) {
    fail(s, E_RING_HEADER);
    return E_RING_HEADER;
  }
  set(s, RING_S_CAPACITY, capacity);
  const index = atomic.load<u32>(ring + (producer != 0 ? RING_H_HEAD : RING_H_TAIL));
  set(s, RING_S_INDEX, index);
  set(s, RING_S_PUBLISHED, index);
  return 0;
}

// ---- producer

// Reserves room for a message of len bytes: returns the payload's offset in the data area,
// RING_EMPTY when there is no room yet, RING_BAD_ARGUMENT when len can never fit (> C - 8),
// RING_BROKEN. When the message does not fit before the end, padding is added (privately: it is
// published with the next ringPublish, which a producer does before it waits for room). On
// RING_EMPTY the tail it saw is kept (RING_S_SEEN_TAIL): that is the tail to sleep on.
export function ringReserve(s: u32, len: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const capacity = get(s, RING_S_CAPACITY);
  if (len > capacity - RING_RECORD_HEADER) return RING_BAD_ARGUMENT;
  let head = get(s, RING_S_INDEX);
  const tail = atomic.load<u32>(word(s, RING_H_TAIL));
  const used = head - tail;
  if (used > capacity || (used & (RING_ALIGN - 1)) != 0) return fail(s, E_RING_INDEX);
  let free = capacity - used;
  const record = recordSize(len);
  let offset = head & (capacity - 1);
  const contiguous = capacity - offset;
  if (record > contiguous) {
    if (free < contiguous) return noRoom(s, tail);
    store<i32>(get(s, RING_S_BASE) + RING_DATA + offset, RING_PAD);
    head += contiguous;
    free -= contiguous;
    set(s, RING_S_INDEX, head);
    offset = 0;
  }
  if (record > free) return noRoom(s, tail);
  set(s, RING_S_RESERVED, len);
  return <i32>(offset + RING_RECORD_HEADER);
}

function noRoom(s: u32, tail: u32): i32 {
  set(s, RING_S_SEEN_TAIL, tail);
  return RING_EMPTY;
}

// Commits len <= the reserved length: the record becomes part of the next publish.
export function ringCommit(s: u32, len: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  if (len > get(s, RING_S_RESERVED)) return RING_BAD_ARGUMENT;
  const capacity = get(s, RING_S_CAPACITY);
  const head = get(s, RING_S_INDEX);
  const record = get(s, RING_S_BASE) + RING_DATA + (head & (capacity - 1));
  store<u32>(record, len);
  store<u32>(record + 4, 0);
  set(s, RING_S_INDEX, head + recordSize(len));
  set(s, RING_S_RESERVED, 0);
  bump(s, RING_S_MESSAGES);
  return 0;
}

// Reserve and commit in one call, for a message copied in whole: returns the payload's offset
// (the caller copies it there before the next publish), or what ringReserve returns.
export function ringWrite(s: u32, len: u32): i32 {
  const offset = ringReserve(s, len);
  if (offset >= 0) ringCommit(s, len);
  return offset;
}

// Publishes every committed record with one store of head. Returns 1 when the consumer asked
// for a doorbell (it is asleep or about to be), 0 otherwise, RING_BROKEN.
export function ringPublish(s: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const head = get(s, RING_S_INDEX);
  const old = get(s, RING_S_PUBLISHED);
  if (head == old) return 0;
  atomic.store<u32>(word(s, RING_H_HEAD), head);
  set(s, RING_S_PUBLISHED, head);
  const need = needEvent(atomic.load<u32>(word(s, RING_H_DATA_EVENT)), head, old);
  bump(s, need ? RING_S_NOTIFIES : RING_S_SUPPRESSED);
  traceEvent(TRACE_RING_PUSH, -1, need ? 1 : 0, <i32>get(s, RING_S_BASE), <i32>(head - old));
  return need ? 1 : 0;
}

// The producer is about to sleep until there is room: asks for a doorbell when tail moves past
// the tail its last reserve found no room with (RING_S_SEEN_TAIL), then looks again. Returns 1 if
// tail moved since that reserve (do not sleep: there may be room), 0 (sleep, on that tail),
// RING_BROKEN. The tail must be the reserve's, not a fresh load: a consumer that drained the
// ring between the reserve and this call rang no one (nobody was asleep), and a fresh tail would
// hide its release, so the producer would sleep beside an empty ring until its timeout.
export function ringPrepareSpaceWait(s: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const seen = get(s, RING_S_SEEN_TAIL);
  atomic.store<u32>(word(s, RING_H_SPACE_EVENT), seen);
  return atomic.load<u32>(word(s, RING_H_TAIL)) != seen ? 1 : 0;
}

// ---- consumer

// Looks at the next message: returns its payload's offset in the data area (its length in
// RING_S_LENGTH), RING_EMPTY, RING_BROKEN. Padding on the way is consumed privately.
export function ringPeek(s: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const capacity = get(s, RING_S_CAPACITY);
  let tail = get(s, RING_S_INDEX);
  const head = atomic.load<u32>(word(s, RING_H_HEAD));
  let avail = head - tail;
  if (avail > capacity || (avail & (RING_ALIGN - 1)) != 0) return fail(s, E_RING_INDEX);
  if (avail == 0) return RING_EMPTY;
  let offset = tail & (capacity - 1);
  let len = load<u32>(get(s, RING_S_BASE) + RING_DATA + offset);
  if (len == <u32>RING_PAD) {
    const contiguous = capacity - offset;
    // Padding never starts at 0 (any record fits there) and never covers unpublished bytes.
    if (offset == 0 || contiguous > avail) return fail(s, E_RING_RECORD);
    tail += contiguous;
    avail -= contiguous;
    set(s, RING_S_INDEX, tail);
    if (avail == 0) return RING_EMPTY;
    offset = 0;
    len = load<u32>(get(s, RING_S_BASE) + RING_DATA);
  }
  if (len > capacity - offset - RING_RECORD_HEADER || recordSize(len) > avail) return fail(s, E_RING_RECORD);
  set(s, RING_S_LENGTH, len);
  return <i32>(offset + RING_RECORD_HEADER);
}

// Consumes the message ringPeek returned; its room is freed at the next ringRelease.
export function ringConsume(s: u32): void {
  set(s, RING_S_INDEX, get(s, RING_S_INDEX) + recordSize(get(s, RING_S_LENGTH)));
  bump(s, RING_S_MESSAGES);
}

// Peek and consume in one call, for a message copied out whole: returns the payload's offset
// (its length in RING_S_LENGTH; the bytes stay until the next release), or what ringPeek returns.
export function ringRead(s: u32): i32 {
  const offset = ringPeek(s);
  if (offset >= 0) ringConsume(s);
  return offset;
}

// Frees everything consumed with one store of tail. Returns 1 when the producer asked for a
// doorbell (it waits for room), 0 otherwise, RING_BROKEN.
export function ringRelease(s: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const tail = get(s, RING_S_INDEX);
  const old = get(s, RING_S_PUBLISHED);
  if (tail == old) return 0;
  atomic.store<u32>(word(s, RING_H_TAIL), tail);
  set(s, RING_S_PUBLISHED, tail);
  const need = needEvent(atomic.load<u32>(word(s, RING_H_SPACE_EVENT)), tail, old);
  bump(s, need ? RING_S_NOTIFIES : RING_S_SUPPRESSED);
  traceEvent(TRACE_RING_POP, -1, need ? 1 : 0, <i32>get(s, RING_S_BASE), <i32>(tail - old));
  return need ? 1 : 0;
}

// The consumer is about to sleep: asks for a doorbell when head moves past its tail, then looks
// again. Call after ringRelease. Returns 1 if data arrived meanwhile (do not sleep), 0, RING_BROKEN.
export function ringPrepareWait(s: u32): i32 {
  if (broken(s)) return RING_BROKEN;
  const tail = get(s, RING_S_INDEX);
  atomic.store<u32>(word(s, RING_H_DATA_EVENT), tail);
  return atomic.load<u32>(word(s, RING_H_HEAD)) != tail ? 1 : 0;
}
