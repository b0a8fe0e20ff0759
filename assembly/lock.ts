// A device's interrupt state (IntrStatus, the INTx level, MSI-X masks and PBA) is changed by its
// own VM and by any VM that rings it. Those changes are a few loads and stores, so one spin lock
// per device serializes them; nothing blocks while holding it.
import { DEV_LOCK } from './layout';

export function lockDevice(dev: u32): void {
  while (atomic.cmpxchg<i32>(dev + DEV_LOCK, 0, 1) != 0) {
    while (atomic.load<i32>(dev + DEV_LOCK) != 0) {}
  }
}

export function unlockDevice(dev: u32): void {
  atomic.store<i32>(dev + DEV_LOCK, 0);
}
