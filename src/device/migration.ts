// Migration's generic parts (a model declares its own Migration, as QEMU's VMStateDescription):
// the check a PCI function's config space passes when it is loaded, and the refusal of a device
// that cannot migrate.
import * as L from '../../assembly/layout.ts';
import { QemuError } from '../errors.ts';
import type { Device, Migration } from './device.ts';

/**
 * A device whose vmstate is `.unmigratable = 1`: QEMU refuses to save any state while it is
 * plugged (qemu_savevm_state_blocked), and a destination never gets one to load.
 */
export function unmigratable(model: string): Migration {
  const refuse = (): never => {
    throw new QemuError(`State blocked by non-migratable device '${model}'`);
  };
  return { save: refuse, load: refuse };
}

// pci_init_cmask + pci_add_capability: the bytes a migration stream must agree on (identity,
// the capability list bit and pointer, the capabilities themselves), unless software can write them.
function checkedMask(device: Device): Uint8Array {
  const cmask = new Uint8Array(L.CONFIG_SIZE);
  cmask.fill(0xff, L.PCI_VENDOR_ID, L.PCI_VENDOR_ID + 4);
  cmask[L.PCI_STATUS] = L.PCI_STATUS_CAP_LIST;
  cmask.fill(0xff, L.PCI_REVISION_ID, L.PCI_REVISION_ID + 4);
  cmask[L.PCI_HEADER_TYPE] = 0xff;
  cmask[L.PCI_CAPABILITY_LIST] = 0xff;
  if (device.layout.msix) cmask.fill(0xff, L.MSIX_CAP, L.MSIX_CAP + L.PCI_CAP_MSIX_SIZEOF);
  for (const cap of device.layout.capabilities ?? []) cmask.fill(0xff, cap.offset, cap.offset + cap.bytes.length);
  return cmask;
}

/** get_pci_config_device: a byte that differs where it is checked and not writable fails the load. */
export function checkPciConfig(device: Device, config: Uint8Array): void {
  const { memory, block } = device.internals;
  const bytes = new Uint8Array(memory.buffer);
  const at = (base: number, i: number) => bytes[block + base + i];
  const cmask = checkedMask(device);
  const x = (n: number) => n.toString(16);
  for (let i = 0; i < L.CONFIG_SIZE; i++) {
    const own = at(L.DEV_CONFIG, i);
    const wmask = at(L.DEV_WMASK, i);
    const w1cmask = at(L.DEV_W1CMASK, i);
    if ((config[i] ^ own) & cmask[i] & ~wmask & ~w1cmask) {
      throw new QemuError(`get_pci_config_device: Bad config data: i=0x${x(i)} read: ${x(config[i])} device: ${x(own)} `
        + `cmask: ${x(cmask[i])} wmask: ${x(wmask)} w1cmask:${x(w1cmask)}`);
    }
  }
}
