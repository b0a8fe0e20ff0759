// PCI configuration space as QEMU's pci_default_write_config keeps it: each byte has a write
// mask (bits software may change) and a write-1-to-clear mask; BAR sizing falls out of the
// masks (write all ones, read back the size mask with the read-only type bits). Writes that touch
// the Command register or the MSI-X Message Control word re-evaluate the interrupt state.
import {
  DEV_CONFIG, DEV_WMASK, DEV_W1CMASK, DEV_FEATURES, FEATURE_MSIX, DEV_INTX_LEVEL,
} from './device-layout';
import { PCI_COMMAND, MSIX_FLAGS, PCI_COMMAND_INTX_DISABLE } from './pci-layout';
import { flagsWritten } from './msix';
import { kick } from './cpu';

export function configRead(dev: u32, offset: u32, size: u32): u32 {
  let value: u32 = 0;
  for (let i: u32 = 0; i < size; i++) {
    value |= <u32><i32>atomic.load<u8>(dev + DEV_CONFIG + offset + i) << (i << 3);
  }
  return value;
}

function covers(offset: u32, size: u32, at: u32): bool {
  return at >= offset && at < offset + size;
}

// Only the device's own thread writes config space, but a ringer flips the Status register's
// Interrupt Status bit (intx.ts) at any time: bytes change by compare-and-swap, never by a plain
// load and store that could put back a bit someone else just changed.
export function configByteUpdate(at: u32, keep: u32, set: u32): void {
  let old = <u32><i32>atomic.load<u8>(at);
  while (true) {
    const seen = <u32><i32>atomic.cmpxchg<u8>(at, <u8>old, <u8>((old & keep) | set));
    if (seen == old) return;
    old = seen;
  }
}

export function configWrite(dev: u32, offset: u32, size: u32, value: u32): void {
  const oldCommand = configRead(dev, PCI_COMMAND, 2);
  const oldFlags = configRead(dev, MSIX_FLAGS, 2);
  for (let i: u32 = 0; i < size; i++) {
    const byte = (value >> (i << 3)) & 0xff;
    const wmask = <u32>load<u8>(dev + DEV_WMASK + offset + i);
    const w1c = <u32>load<u8>(dev + DEV_W1CMASK + offset + i);
    configByteUpdate(dev + DEV_CONFIG + offset + i, ~wmask & ~(byte & w1c) & 0xff, byte & wmask & ~(byte & w1c));
  }
  const msix = (atomic.load<i32>(dev + DEV_FEATURES) & FEATURE_MSIX) != 0;
  if (msix && (covers(offset, size, MSIX_FLAGS) || covers(offset, size, MSIX_FLAGS + 1))) {
    flagsWritten(dev, oldFlags);
  }
  const command = configRead(dev, PCI_COMMAND, 2);
  const reenabled = (oldCommand & PCI_COMMAND_INTX_DISABLE) != 0 && (command & PCI_COMMAND_INTX_DISABLE) == 0;
  if (reenabled && atomic.load<i32>(dev + DEV_INTX_LEVEL) != 0) kick(dev);
}
