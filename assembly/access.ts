// A guest's register access, as the register path makes it (src/device/regions.ts). The handlers
// are QEMU's MemoryRegionOps callbacks (access-layout.ts names them): they take the accesses QEMU's
// memory core hands them, at the handler's own width. Before an access reaches a handler, the
// register path checks what it must find on the device, made here where each is one load: no
// server message waits in a VM's inbox (the VM takes them before a BAR0 access, so that a doorbell
// to a newcomer finds it; a host-side device's inbox is always empty), and Memory Space Enable set
// (a PCI function's BARs are decoded only then; a virtio-mmio window and ivshmem-flat's sysbus
// regions always are). accessRead and accessWrite make the checks and the access in one call; when
// a check fails they do nothing and say which, and the caller takes its full path, which takes the
// inbox first or throws.
import { DEV_CONFIG, DEV_INBOX, DEV_MODEL, MODEL_FLAT } from './device-layout';
import { PCI_COMMAND, PCI_COMMAND_MEMORY } from './pci-layout';
import { INBOX_READ, INBOX_WRITE } from './inbox-layout';
import {
  ACCESS_BAR0, ACCESS_MSIX_TABLE, ACCESS_MSIX_PBA, ACCESS_VIRTIO_MMIO, ACCESS_NONE, ACCESS_INBOX,
  ACCESS_NOT_DECODED,
} from './access-layout';
import { bar0Read, bar0Write } from './registers';
import { tableRead, tableWrite, pbaRead } from './msix';
import { virtioMmioRead, virtioMmioWrite } from './virtio-mmio';

// The checks and the handlers' dispatch are @inline, into the calls that make them and the access
// at once: a call inside the core cost more than the checks (Node 20, one thread: accessRead of
// IVPosition 10.8 -> 9.3 ns, accessWrite of IntrMask 12.3 -> 10.8, accessRead64 17.6 -> 14.5).

/** What the checks find for an access to `handler`: 0 (go), ACCESS_INBOX or ACCESS_NOT_DECODED. */
@inline
export function accessCheck(dev: u32, handler: i32): i32 {
  if (handler == ACCESS_VIRTIO_MMIO) return 0;
  if (handler == ACCESS_BAR0) {
    const inbox = dev + DEV_INBOX;
    if (atomic.load<i32>(inbox + INBOX_WRITE) != atomic.load<i32>(inbox + INBOX_READ)) return ACCESS_INBOX;
  }
  if (load<i32>(dev + DEV_MODEL) == MODEL_FLAT) return 0;
  if ((<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_MEMORY) == 0) return ACCESS_NOT_DECODED;
  return 0;
}

/** A handler's read of `size` bytes at `offset` (within the handler: the PBA's own offsets), with no check. */
@inline
export function handlerRead(dev: u32, handler: i32, offset: u32, size: u32): u32 {
  switch (handler) {
    case ACCESS_BAR0: return bar0Read(dev, offset);
    case ACCESS_MSIX_TABLE: return tableRead(dev, offset);
    case ACCESS_MSIX_PBA: return pbaRead(dev, offset);
    case ACCESS_VIRTIO_MMIO: return virtioMmioRead(dev, offset, size);
  }
  return 0;
}

/** A handler's write, with no check. The PBA is read-only: a write there changes nothing. */
@inline
export function handlerWrite(dev: u32, handler: i32, offset: u32, size: u32, value: u32): void {
  switch (handler) {
    case ACCESS_BAR0: bar0Write(dev, offset, value); break;
    case ACCESS_MSIX_TABLE: tableWrite(dev, offset, value); break;
    case ACCESS_VIRTIO_MMIO: virtioMmioWrite(dev, offset, size, value); break;
  }
}

/** The checks and the read in one call: the value (a u32, exact in an f64), or a refusal (negative). */
export function accessRead(dev: u32, handler: i32, offset: u32, size: u32): f64 {
  const no = accessCheck(dev, handler);
  return no != 0 ? <f64>no : <f64>handlerRead(dev, handler, offset, size);
}

/** The checks and the write in one call: 0 once written, or a refusal. */
export function accessWrite(dev: u32, handler: i32, offset: u32, size: u32, value: u32): i32 {
  const no = accessCheck(dev, handler);
  if (no == 0) handlerWrite(dev, handler, offset, size, value);
  return no;
}

// The refusal of this thread's last accessRead64 (a wasm global: each worker's own): an i64 has no
// value to spare for one, so it returns all ones and leaves the refusal here for the caller to ask.
let refusal: i32 = 0;

export function lastRefusal(): i32 {
  return refusal;
}

// An aligned 8-byte access to a handler whose widest access is 4 bytes: the checks, then two
// 4-byte handler calls, the low half first, as QEMU's memory core splits it. The value crosses to
// JavaScript as a bigint, signed (V8 makes one from an i64 in a few ns, where building one from two
// halves in JavaScript cost several times that); the caller reads it unsigned. Refused, it returns
// all ones (-1) and nothing was done: lastRefusal() says why.
export function accessRead64(dev: u32, handler: i32, offset: u32): i64 {
  refusal = accessCheck(dev, handler);
  if (refusal != 0) return -1;
  const low = handlerRead(dev, handler, offset, 4);
  return <i64>low | (<i64>handlerRead(dev, handler, offset + 4, 4) << 32);
}

export function accessWrite64(dev: u32, handler: i32, offset: u32, value: i64): i32 {
  const no = accessCheck(dev, handler);
  if (no != 0) return no;
  handlerWrite(dev, handler, offset, 4, <u32>value);
  handlerWrite(dev, handler, offset + 4, 4, <u32>(value >>> 32));
  return 0;
}

// The memory BAR's 8-byte access in one call: the checks, then the load or store at `at` in the
// shared memory (the caller found it inside the mapped region), as accessRead64/accessWrite64 for
// their value: a bigint made from an i64 in the call's return costs a third of what
// DataView.getBigUint64 does in Node 20. Refused, the read returns all ones and lastRefusal() says
// why.
export function memoryRead64(dev: u32, at: u32): i64 {
  refusal = accessCheck(dev, ACCESS_NONE);
  return refusal != 0 ? -1 : load<i64>(at);
}

export function memoryWrite64(dev: u32, at: u32, value: i64): i32 {
  const no = accessCheck(dev, ACCESS_NONE);
  if (no == 0) store<i64>(at, value);
  return no;
}
