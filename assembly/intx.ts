// Pin-based interrupts of the revision 0 and 2010 devices: INTx is asserted while
// IntrStatus & IntrMask is non-zero (QEMU's ivshmem_update_irq). The PCI Status register's
// Interrupt Status bit follows the line; the Command register's Interrupt Disable bit gates it.
import { DEV_INTRMASK, DEV_INTRSTATUS, DEV_INTX_LEVEL, DEV_CONFIG, DEV_DELIVERED } from './device-layout';
import { PCI_STATUS, PCI_STATUS_INTERRUPT } from './pci-layout';
import { kick } from './cpu';

function wantedLevel(dev: u32): i32 {
  return (atomic.load<i32>(dev + DEV_INTRSTATUS) & atomic.load<i32>(dev + DEV_INTRMASK)) != 0 ? 1 : 0;
}

// Call after changing IntrStatus or IntrMask. No lock (docs/architecture.md): a ringer and the
// device's own VM may both be here; each publishes the level it computed and looks again, and
// goes round while the registers say otherwise, so the last one out leaves the line (and the
// Status bit) as the registers are.
export function updateIntx(dev: u32): void {
  const status = dev + DEV_CONFIG + PCI_STATUS;
  let level = wantedLevel(dev);
  do {
    const old = atomic.xchg<i32>(dev + DEV_INTX_LEVEL, level);
    if (level) atomic.or<u16>(status, PCI_STATUS_INTERRUPT);
    else atomic.and<u16>(status, ~PCI_STATUS_INTERRUPT & 0xffff);
    if (old == 0 && level != 0) {
      atomic.add<i32>(dev + DEV_DELIVERED, 1);
      kick(dev);
    }
    const again = wantedLevel(dev);
    if (again == level) return;
    level = again;
  } while (true);
}
