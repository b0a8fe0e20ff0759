// The trace: what the core does, as events in shared memory, for the app's protocol timeline.
// Each thread (the host thread, each VM worker) writes only its own ring, so recording takes no
// lock; the host drains every ring (src/trace/). Off by default: then an event costs one load of
// the TRACE_ON word.
//
// Where the rings are and what an entry holds: trace-layout.ts.
// A full ring drops the new event and counts it; nothing waits for the reader.
//
// Which thread is which is this instance's own: traceThread() sets it once when the worker
// starts (0, the host, by default). That and the source of the doorbell being delivered are the
// core's only globals, and they are per thread by design (each thread has its own instance).
//
// Emitting from other core code (e.g. the rings: TRACE_RING_PUSH / TRACE_RING_POP):
//   import { traceEvent } from './trace';
//   traceEvent(TRACE_RING_PUSH, deviceId, peerId, ringIndex, bytes);   // one load when off
// and from TypeScript, through the export traceEmit(kind, device, peer, vector, value).
import {
  TRACE_ON, TRACE_DIR, TRACE_WRITE, TRACE_DROPPED, TRACE_READ, TRACE_ENTRIES_AT, TRACE_ENTRY_SIZE,
  TRACE_CAPACITY, TRACE_TIME, TRACE_KIND, TRACE_DEVICE, TRACE_PEER, TRACE_VECTOR, TRACE_VALUE,
  TRACE_VALUE2, TRACE_DOORBELL, TRACE_MASK, TRACE_UNMASK,
} from './trace-layout';
import { DEV_VM_ID, DEV_MSIX_TABLE, DEV_CONFIG } from './device-layout';
import {
  MSIX_ENTRY_SIZE, MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT, MSIX_FLAGS_ENABLE,
  MSIX_FLAGS_MASKALL, MSIX_FLAGS,
} from './pci-layout';
import { traceTime } from './clock';

let thread: u32 = 0;
// The device that rang the doorbell being delivered on this thread, or -1, and the doorbell's
// time: the events it causes share it (the clock is an import call, the dearest part of an event).
let source: i32 = -1;
let sourceTime: f64 = 0;

export function traceThread(id: u32): void {
  thread = id;
}

@inline export function tracing(): bool {
  return load<i32>(TRACE_ON) != 0;
}

function record(kind: u32, device: i32, peer: i32, vector: i32, value: i32, value2: i32 = 0): void {
  const ring = <u32>atomic.load<i32>(TRACE_DIR + (thread << 2));
  if (ring == 0) return;
  const write = <u32>load<i32>(ring + TRACE_WRITE);
  if (write - <u32>atomic.load<i32>(ring + TRACE_READ) >= <u32>TRACE_CAPACITY) {
    atomic.add<i32>(ring + TRACE_DROPPED, 1);
    return;
  }
  const at = ring + TRACE_ENTRIES_AT + (write & (TRACE_CAPACITY - 1)) * TRACE_ENTRY_SIZE;
  store<f64>(at + TRACE_TIME, source >= 0 ? sourceTime : traceTime());
  store<i32>(at + TRACE_KIND, kind);
  store<i32>(at + TRACE_DEVICE, device);
  store<i32>(at + TRACE_PEER, peer);
  store<i32>(at + TRACE_VECTOR, vector);
  store<i32>(at + TRACE_VALUE, value);
  store<i32>(at + TRACE_VALUE2, value2);
  atomic.store<i32>(ring + TRACE_WRITE, write + 1);
}

/** An event, when tracing is on. */
@inline export function traceEvent(kind: u32, device: i32, peer: i32, vector: i32, value: i32): void {
  if (tracing()) record(kind, device, peer, vector, value);
}

/** A virtio-sdm signal event: SDM ids, the signal type and its payload. */
@inline export function traceSdm(kind: u32, device: i32, peer: i32, type: u32, p0: u32, p1: u32): void {
  if (tracing()) record(kind, device, peer, <i32>type, <i32>p0, <i32>p1);
}

/** For TypeScript (the server's messages on the host thread) and tests. */
export function traceEmit(kind: u32, device: i32, peer: i32, vector: i32, value: i32): void {
  traceEvent(kind, device, peer, vector, value);
}

/** An event on device block `dev` caused by the doorbell being delivered (if any). */
@inline export function traceDevice(kind: u32, dev: u32, vector: i32): void {
  if (tracing()) record(kind, atomic.load<i32>(dev + DEV_VM_ID), source, vector, 0);
}

/** Doorbell from block `dev` to peer `peer`: traced, and remembered as the source until done. */
@inline export function traceDoorbell(dev: u32, peer: i32, vector: i32, value: u32): void {
  if (!tracing()) return;
  sourceTime = traceTime();
  source = atomic.load<i32>(dev + DEV_VM_ID);
  record(TRACE_DOORBELL, source, peer, vector, value);
}

@inline export function traceDoorbellDone(): void {
  source = -1;
}

/** Before an MSI-X table write: a change of an entry's mask bit is a mask or unmask event. */
@inline export function traceTableWrite(dev: u32, offset: u32, value: u32): void {
  if (!tracing() || (offset & (MSIX_ENTRY_SIZE - 1)) != MSIX_ENTRY_VECTOR_CTRL) return;
  const old = atomic.load<i32>(dev + DEV_MSIX_TABLE + offset);
  if (((old ^ value) & MSIX_ENTRY_CTRL_MASKBIT) == 0) return;
  const kind = (value & MSIX_ENTRY_CTRL_MASKBIT) != 0 ? TRACE_MASK : TRACE_UNMASK;
  record(kind, atomic.load<i32>(dev + DEV_VM_ID), -1, offset / MSIX_ENTRY_SIZE, 0);
}

/** After Message Control changed: the function mask (MSI-X off or Mask All) as vector -1. */
@inline export function traceFunctionMask(dev: u32, oldFlags: i32): void {
  if (!tracing()) return;
  const was = (oldFlags & MSIX_FLAGS_ENABLE) == 0 || (oldFlags & MSIX_FLAGS_MASKALL) != 0;
  const flags = <i32>atomic.load<u16>(dev + DEV_CONFIG + MSIX_FLAGS);
  const now = (flags & MSIX_FLAGS_ENABLE) == 0 || (flags & MSIX_FLAGS_MASKALL) != 0;
  if (was != now) record(now ? TRACE_MASK : TRACE_UNMASK, atomic.load<i32>(dev + DEV_VM_ID), -1, -1, flags);
}
