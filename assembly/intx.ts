// Pin-based interrupts of the revision 0 and 2010 devices: INTx is asserted while
// IntrStatus & IntrMask is non-zero (QEMU's ivshmem_update_irq). The PCI Status register's
// Interrupt Status bit follows the line; the Command register's Interrupt Disable bit gates it.
import {
  DEV_INTRMASK, DEV_INTRSTATUS, DEV_INTX_LEVEL, DEV_CONFIG, DEV_DELIVERED, PCI_STATUS,
  PCI_STATUS_INTERRUPT,
} from './layout';
import { kick } from './cpu';

// Call with the device lock held.
export function updateIntx(dev: u32): void {
  const level = (atomic.load<i32>(dev + DEV_INTRSTATUS) & atomic.load<i32>(dev + DEV_INTRMASK)) != 0 ? 1 : 0;
  const old = atomic.xchg<i32>(dev + DEV_INTX_LEVEL, level);
  if (old == level) return;
  const status = dev + DEV_CONFIG + PCI_STATUS;
  const bits = <i32>atomic.load<u16>(status);
  atomic.store<u16>(status, level ? bits | PCI_STATUS_INTERRUPT : bits & ~PCI_STATUS_INTERRUPT);
  if (level) {
    atomic.add<i32>(dev + DEV_DELIVERED, 1);
    kick(dev);
  }
}
