// MSI-X as QEMU's hw/pci/msix.c does it: a vector is masked when MSI-X is disabled, the function
// is masked, or its entry's mask bit is set. A message to a masked vector sets its PBA bit and is
// sent when the vector is unmasked. Software cannot clear a PBA bit. A message is a write by the
// device as bus master: with Bus Master Enable clear in the Command register it is lost.
// Every function here runs with the device lock held.
import {
  DEV_CONFIG, DEV_PBA, DEV_MSIX_TABLE, DEV_VECTORS, DEV_IRQ_LOST, MSIX_FLAGS, MSIX_FLAGS_ENABLE,
  MSIX_FLAGS_MASKALL, MSIX_ENTRY_SIZE, MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT,
  PCI_COMMAND, PCI_COMMAND_MASTER,
} from './layout';
import { raiseVector } from './cpu';
import { traceDevice, traceTableWrite, traceFunctionMask } from './trace';
import { TRACE_LOST, TRACE_PENDING } from './layout';

function flags(dev: u32): i32 {
  return <i32>atomic.load<u16>(dev + DEV_CONFIG + MSIX_FLAGS);
}

export function msixEnabled(dev: u32): bool {
  return (flags(dev) & MSIX_FLAGS_ENABLE) != 0;
}

export function functionMasked(flagBits: i32): bool {
  return (flagBits & MSIX_FLAGS_ENABLE) == 0 || (flagBits & MSIX_FLAGS_MASKALL) != 0;
}

function entryMasked(dev: u32, vector: u32): bool {
  const ctrl = dev + DEV_MSIX_TABLE + vector * MSIX_ENTRY_SIZE + MSIX_ENTRY_VECTOR_CTRL;
  return (atomic.load<i32>(ctrl) & MSIX_ENTRY_CTRL_MASKBIT) != 0;
}

export function vectorMasked(dev: u32, vector: u32): bool {
  return functionMasked(flags(dev)) || entryMasked(dev, vector);
}

function pbaWord(dev: u32, vector: u32): u32 {
  return dev + DEV_PBA + ((vector >> 5) << 2);
}

export function isPending(dev: u32, vector: u32): bool {
  return (atomic.load<i32>(pbaWord(dev, vector)) & (1 << (vector & 31))) != 0;
}

function send(dev: u32, vector: u32): void {
  if ((<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_MASTER) == 0) {
    atomic.add<i32>(dev + DEV_IRQ_LOST, 1);
    traceDevice(TRACE_LOST, dev, vector);
    return;
  }
  raiseVector(dev, vector);
}

export function msixNotify(dev: u32, vector: u32): void {
  if (vector >= <u32>atomic.load<i32>(dev + DEV_VECTORS)) return;
  if (vectorMasked(dev, vector)) {
    atomic.or<i32>(pbaWord(dev, vector), 1 << (vector & 31));
    traceDevice(TRACE_PENDING, dev, vector);
    return;
  }
  send(dev, vector);
}

// msix_handle_mask_update: on a masked -> unmasked transition, a pending message goes out.
export function maskUpdate(dev: u32, vector: u32, wasMasked: bool): void {
  if (vectorMasked(dev, vector) || !wasMasked) return;
  const bit = 1 << (vector & 31);
  if ((atomic.and<i32>(pbaWord(dev, vector), ~bit) & bit) != 0) send(dev, vector);
}

// After a write to Message Control: re-evaluate every vector if the function mask changed.
export function flagsWritten(dev: u32, oldFlags: i32): void {
  traceFunctionMask(dev, oldFlags);
  const wasFunctionMasked = functionMasked(oldFlags);
  if (wasFunctionMasked == functionMasked(flags(dev))) return;
  const vectors = <u32>atomic.load<i32>(dev + DEV_VECTORS);
  for (let v: u32 = 0; v < vectors; v++) {
    maskUpdate(dev, v, wasFunctionMasked || entryMasked(dev, v));
  }
}

// BAR1 table: 4-byte accesses; only the vector control word's mask bit changes delivery.
export function tableRead(dev: u32, offset: u32): u32 {
  return <u32>atomic.load<i32>(dev + DEV_MSIX_TABLE + offset);
}

export function tableWrite(dev: u32, offset: u32, value: u32): void {
  const vector = offset / MSIX_ENTRY_SIZE;
  const wasMasked = vectorMasked(dev, vector);
  traceTableWrite(dev, offset, value);
  atomic.store<i32>(dev + DEV_MSIX_TABLE + offset, value);
  maskUpdate(dev, vector, wasMasked);
}

export function pbaRead(dev: u32, offset: u32): u32 {
  return <u32>atomic.load<i32>(dev + DEV_PBA + offset);
}

// msix_reset: every entry zeroed with its mask bit set, nothing pending.
export function msixReset(dev: u32): void {
  const vectors = <u32>atomic.load<i32>(dev + DEV_VECTORS);
  for (let v: u32 = 0; v < vectors; v++) {
    const entry = dev + DEV_MSIX_TABLE + v * MSIX_ENTRY_SIZE;
    atomic.store<i32>(entry, 0);
    atomic.store<i32>(entry + 4, 0);
    atomic.store<i32>(entry + 8, 0);
    atomic.store<i32>(entry + MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT);
  }
  for (let w: u32 = 0; w < 64; w++) atomic.store<i32>(dev + DEV_PBA + (w << 2), 0);
}
