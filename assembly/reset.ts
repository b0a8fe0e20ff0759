// Device reset (QEMU's pci_do_device_reset + msix_reset + ivshmem_reset): the writable bits of the
// standard header go back to 0 (Command, Status, Cache Line Size, Interrupt Line, BAR addresses),
// and MSI-X's Enable and Function Mask; MSI-X entries are masked and nothing is pending;
// IntrStatus and IntrMask are 0. The device-specific bytes 0x40-0xff outside the capability keep
// what software wrote there, as in QEMU. Peers, eventfds, the ID and the shared memory are not
// touched. A doorbell racing a reset lands before or after it (msix.ts).
import { TRACE_RESET } from './trace-layout';
import {
  DEV_CONFIG, DEV_WMASK, DEV_W1CMASK, DEV_INTRMASK, DEV_INTRSTATUS, DEV_FEATURES, FEATURE_MSIX,
  FEATURE_INTX, DEV_MODEL, MODEL_SDM, MODEL_V2,
} from './device-layout';
import { PCI_CONFIG_HEADER_SIZE, MSIX_FLAGS } from './pci-layout';
import { configByteUpdate } from './pci-config';
import { msixReset } from './msix';
import { updateIntx } from './intx';
import { traceDevice } from './trace';
import { virtioMmioReset } from './virtio-mmio';
import { v2Reset } from './ivshmem-v2';

function clearWritable(dev: u32, offset: u32): void {
  const clear = <u32>load<u8>(dev + DEV_WMASK + offset) | <u32>load<u8>(dev + DEV_W1CMASK + offset);
  configByteUpdate(dev + DEV_CONFIG + offset, ~clear & 0xff, 0);
}

export function deviceReset(dev: u32): void {
  // virtio-sdm is no PCI function: its reset is its transport's (as writing 0 to Status), which
  // resets the device behind it.
  if (load<i32>(dev + DEV_MODEL) == MODEL_SDM) {
    virtioMmioReset(dev);
    return;
  }
  traceDevice(TRACE_RESET, dev, -1);
  for (let i: u32 = 0; i < <u32>PCI_CONFIG_HEADER_SIZE; i++) clearWritable(dev, i);
  const features = atomic.load<i32>(dev + DEV_FEATURES);
  if ((features & FEATURE_MSIX) != 0) {
    clearWritable(dev, MSIX_FLAGS);
    clearWritable(dev, MSIX_FLAGS + 1);
  }
  atomic.store<i32>(dev + DEV_INTRSTATUS, 0);
  atomic.store<i32>(dev + DEV_INTRMASK, 0);
  if ((features & FEATURE_MSIX) != 0) msixReset(dev);
  if ((features & FEATURE_INTX) != 0) updateIntx(dev);
  if (load<i32>(dev + DEV_MODEL) == MODEL_V2) v2Reset(dev);
}
