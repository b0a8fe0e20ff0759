// Device reset (QEMU's pci_do_device_reset + msix_reset + ivshmem_reset): every software-writable
// config bit goes back to 0 (Command, BAR addresses, MSI-X enable and mask), MSI-X entries are
// masked and nothing is pending, IntrStatus and IntrMask are 0. Peers, eventfds, the ID and the
// shared memory are not touched. A doorbell racing a reset lands before or after it (msix.ts).
import {
  DEV_CONFIG, DEV_WMASK, DEV_W1CMASK, CONFIG_SIZE, DEV_INTRMASK, DEV_INTRSTATUS, DEV_FEATURES,
  FEATURE_MSIX, FEATURE_INTX,
} from './layout';
import { configByteUpdate } from './pci-config';
import { msixReset } from './msix';
import { updateIntx } from './intx';
import { traceDevice } from './trace';
import { TRACE_RESET } from './layout';

export function deviceReset(dev: u32): void {
  traceDevice(TRACE_RESET, dev, -1);
  for (let i: u32 = 0; i < <u32>CONFIG_SIZE; i++) {
    const clear = <u32>load<u8>(dev + DEV_WMASK + i) | <u32>load<u8>(dev + DEV_W1CMASK + i);
    configByteUpdate(dev + DEV_CONFIG + i, ~clear & 0xff, 0);
  }
  atomic.store<i32>(dev + DEV_INTRSTATUS, 0);
  atomic.store<i32>(dev + DEV_INTRMASK, 0);
  const features = atomic.load<i32>(dev + DEV_FEATURES);
  if ((features & FEATURE_MSIX) != 0) msixReset(dev);
  if ((features & FEATURE_INTX) != 0) updateIntx(dev);
}
