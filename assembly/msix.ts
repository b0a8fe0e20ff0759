// MSI-X as QEMU's hw/pci/msix.c does it: a vector is masked when MSI-X is disabled, the function
// is masked, or its entry's mask bit is set. A message to a masked vector sets its PBA bit and is
// sent when the vector is unmasked. Software cannot clear a PBA bit. A message is a write by the
// device as bus master: with Bus Master Enable clear in the Command register it is lost.
//
// No lock (docs/architecture.md, "The lock rule"): a ringer and the device's own VM meet on the
// PBA bit. The ringer sets it (atomic OR) when it sees the vector masked, then looks again; the
// VM publishes an unmask, then looks at the PBA. With sequentially consistent atomics at least one
// of the two sees the other's write, and whoever clears the bit (an atomic AND that returns the old
// word) sends the message: exactly one of them, whatever the interleaving, and a thread stopped
// between two instructions leaves nothing that blocks anyone.
import { TRACE_LOST, TRACE_PENDING } from './trace-layout';
import { DEV_CONFIG, DEV_PBA, DEV_MSIX_TABLE, DEV_VECTORS, DEV_IRQ_LOST } from './device-layout';
import {
  MSIX_FLAGS, MSIX_FLAGS_ENABLE, MSIX_FLAGS_MASKALL, MSIX_ENTRY_SIZE, MSIX_ENTRY_VECTOR_CTRL,
  MSIX_ENTRY_CTRL_MASKBIT, PCI_COMMAND, PCI_COMMAND_MASTER,
} from './pci-layout';
import { raiseVector } from './cpu';
import { traceDevice, traceTableWrite, traceFunctionMask } from './trace';

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

// A message as the device sends it, a DMA write: lost while Bus Master is off.
export function sendMessage(dev: u32, vector: u32): void {
  if ((<i32>atomic.load<u16>(dev + DEV_CONFIG + PCI_COMMAND) & PCI_COMMAND_MASTER) == 0) {
    atomic.add<i32>(dev + DEV_IRQ_LOST, 1);
    traceDevice(TRACE_LOST, dev, vector);
    return;
  }
  raiseVector(dev, vector);
}

// The claim both sides race for: clear the PBA bit; the one that saw it set sends. A look comes
// first, since the bit is nearly always clear and a load costs a fraction of a read-modify-write:
// seeing it clear is enough, because whoever sets it afterwards looks at the mask again after its
// OR and finds the vector unmasked (the unmask was published before this look), so claims it.
function claimPending(dev: u32, vector: u32): void {
  const bit = 1 << (vector & 31);
  const word = pbaWord(dev, vector);
  if ((atomic.load<i32>(word) & bit) == 0) return;
  if ((atomic.and<i32>(word, ~bit) & bit) != 0) sendMessage(dev, vector);
}

export function msixNotify(dev: u32, vector: u32): void {
  if (vector >= <u32>atomic.load<i32>(dev + DEV_VECTORS)) return;
  if (!vectorMasked(dev, vector)) {
    sendMessage(dev, vector);
    return;
  }
  atomic.or<i32>(pbaWord(dev, vector), 1 << (vector & 31));
  traceDevice(TRACE_PENDING, dev, vector);
  // Unmasked meanwhile: the unmasking side may have looked at the PBA before the OR above.
  if (!vectorMasked(dev, vector)) claimPending(dev, vector);
}

// msix_handle_mask_update: a pending message goes out once its vector is unmasked. Called after
// the unmask is published; a PBA bit on an unmasked vector only lives until someone claims it, so
// claiming whenever the vector is now unmasked is QEMU's masked -> unmasked rule.
export function maskUpdate(dev: u32, vector: u32): void {
  if (!vectorMasked(dev, vector)) claimPending(dev, vector);
}

// After a write to Message Control: every vector may have been unmasked by the function mask.
export function flagsWritten(dev: u32, oldFlags: i32): void {
  traceFunctionMask(dev, oldFlags);
  if (functionMasked(oldFlags) == functionMasked(flags(dev))) return;
  const vectors = <u32>atomic.load<i32>(dev + DEV_VECTORS);
  for (let v: u32 = 0; v < vectors; v++) maskUpdate(dev, v);
}

// BAR1 table: 4-byte accesses; only the vector control word's mask bit changes delivery.
export function tableRead(dev: u32, offset: u32): u32 {
  return <u32>atomic.load<i32>(dev + DEV_MSIX_TABLE + offset);
}

// msix_table_mmio_write: the word, then msix_handle_mask_update, which does nothing unless the
// mask changed; a write to the message address or data cannot change it.
export function tableWrite(dev: u32, offset: u32, value: u32): void {
  traceTableWrite(dev, offset, value);
  atomic.store<i32>(dev + DEV_MSIX_TABLE + offset, value);
  if ((offset & (MSIX_ENTRY_SIZE - 1)) == MSIX_ENTRY_VECTOR_CTRL) maskUpdate(dev, offset / MSIX_ENTRY_SIZE);
}

export function pbaRead(dev: u32, offset: u32): u32 {
  return <u32>atomic.load<i32>(dev + DEV_PBA + offset);
}

// msix_reset: every entry zeroed with its mask bit set, nothing pending. Masks go first, so a
// message racing the reset either went out before it or stays pending after it.
export function msixReset(dev: u32): void {
  const vectors = <u32>atomic.load<i32>(dev + DEV_VECTORS);
  for (let v: u32 = 0; v < vectors; v++) {
    const entry = dev + DEV_MSIX_TABLE + v * MSIX_ENTRY_SIZE;
    atomic.store<i32>(entry + MSIX_ENTRY_VECTOR_CTRL, MSIX_ENTRY_CTRL_MASKBIT);
    atomic.store<i32>(entry, 0);
    atomic.store<i32>(entry + 4, 0);
    atomic.store<i32>(entry + 8, 0);
  }
  for (let w: u32 = 0; w < 64; w++) atomic.store<i32>(dev + DEV_PBA + (w << 2), 0);
}
