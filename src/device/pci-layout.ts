// What a device model puts in PCI config space, and how its BARs are laid out. QEMU's values:
// vendor 1af4, device 1110, class 0x0500 (memory controller, RAM), subsystem 1af4:1100; BAR0 256
// bytes of registers; BAR1 the MSI-X table and PBA (ivshmem-doorbell, legacy with msi=on and a
// server) or, on the 2010 device, the shared memory; BAR2 the shared memory, 64-bit prefetchable.
import * as L from '../../assembly/layout.ts';
import type { DeviceSpec } from './models.ts';

export type BarKind = 'registers' | 'msix' | 'memory' | 'virtio-mmio';

export interface BarLayout {
  index: number;
  kind: BarKind;
  size: number;
  /** the BAR's low type bits: 0 (32-bit memory), 0xc (64-bit prefetchable), 0x8 (32-bit prefetchable) */
  type: number;
}

export interface PciLayout {
  revision: number;
  interruptPin: number;
  msix: boolean;
  intx: boolean;
  bars: BarLayout[];
  /** MSI-X: where the PBA starts in BAR1 */
  pbaOffset: number;
  /** 'virtio-mmio': no PCI function at all, its register window shown as bar(0) (virtio-sdm) */
  transport?: 'virtio-mmio';
}

function pow2ceil(n: number): number {
  return 2 ** Math.ceil(Math.log2(n));
}

/** msix_init_exclusive_bar: table at 0, PBA at 2048 when it fits in 4 KiB, else right after. */
export function msixBar(vectors: number): { size: number; pbaOffset: number } {
  const pbaSize = Math.ceil(vectors / 64) * 8;
  let pbaOffset = 2048;
  if (vectors * L.MSIX_ENTRY_SIZE > pbaOffset) pbaOffset = vectors * L.MSIX_ENTRY_SIZE;
  return { size: Math.max(4096, pow2ceil(pbaOffset + pbaSize)), pbaOffset };
}

export function pciLayout(spec: DeviceSpec, memorySize: number): PciLayout {
  if (spec.model === 'virtio-sdm') {
    const bars: BarLayout[] = [{ index: 0, kind: 'virtio-mmio', size: L.VIRTIO_MMIO_SIZE, type: 0 }];
    return { revision: 0, interruptPin: 0, msix: false, intx: false, bars, pbaOffset: 0, transport: 'virtio-mmio' };
  }
  const hasServer = spec.chardev !== undefined;
  const msix = spec.msi && hasServer;
  const intx = !spec.msi && hasServer;
  const bars: BarLayout[] = [{ index: 0, kind: 'registers', size: L.BAR0_SIZE, type: 0 }];
  let pbaOffset = 0;
  if (spec.model === 'ivshmem-2010') {
    bars.push({ index: 1, kind: 'memory', size: memorySize, type: 0 });
  } else {
    if (msix) {
      const bar = msixBar(spec.vectors);
      pbaOffset = bar.pbaOffset;
      bars.push({ index: 1, kind: 'msix', size: bar.size, type: 0 });
    }
    const type = L.PCI_BASE_ADDRESS_MEM_PREFETCH | (spec.use64 ? L.PCI_BASE_ADDRESS_MEM_TYPE_64 : 0);
    bars.push({ index: 2, kind: 'memory', size: memorySize, type });
  }
  const legacy = spec.model === 'ivshmem' || spec.model === 'ivshmem-2010';
  return { revision: legacy ? 0 : 1, interruptPin: legacy ? 1 : 0, msix, intx, bars, pbaOffset };
}

/** Writes config space, its write mask and its write-1-to-clear mask into the device block. */
export function writeConfigSpace(view: DataView, block: number, layout: PciLayout, vectors: number): void {
  const cfg = (offset: number) => block + L.DEV_CONFIG + offset;
  const wmask = (offset: number) => block + L.DEV_WMASK + offset;
  view.setUint16(cfg(L.PCI_VENDOR_ID), 0x1af4, true);
  view.setUint16(cfg(L.PCI_DEVICE_ID), 0x1110, true);
  view.setUint8(cfg(L.PCI_REVISION_ID), layout.revision);
  view.setUint8(cfg(L.PCI_CLASS_PROG + 2), 0x05);
  view.setUint16(cfg(L.PCI_SUBSYSTEM_VENDOR_ID), 0x1af4, true);
  view.setUint16(cfg(L.PCI_SUBSYSTEM_ID), 0x1100, true);
  view.setUint8(cfg(L.PCI_INTERRUPT_PIN), layout.interruptPin);
  const command = L.PCI_COMMAND_IO | L.PCI_COMMAND_MEMORY | L.PCI_COMMAND_MASTER | L.PCI_COMMAND_INTX_DISABLE | L.PCI_COMMAND_SERR;
  view.setUint16(wmask(L.PCI_COMMAND), command, true);
  // pci_init_wmask: everything after the standard header is the device's to use
  for (let at = L.PCI_CONFIG_HEADER_SIZE; at < L.CONFIG_SIZE; at++) view.setUint8(wmask(at), 0xff);
  view.setUint8(wmask(L.PCI_CACHE_LINE_SIZE), 0xff);
  view.setUint8(wmask(L.PCI_INTERRUPT_LINE), 0xff);
  view.setUint16(block + L.DEV_W1CMASK + L.PCI_STATUS, 0xf900, true);
  for (const bar of layout.bars) {
    const at = L.PCI_BAR0 + bar.index * 4;
    view.setUint32(cfg(at), bar.type, true);
    view.setUint32(wmask(at), (~(bar.size - 1) & ~0xf) >>> 0, true);
    if (bar.type & L.PCI_BASE_ADDRESS_MEM_TYPE_64) {
      view.setUint32(wmask(at + 4), (~Math.floor((bar.size - 1) / 2 ** 32)) >>> 0, true);
    }
  }
  if (layout.msix) {
    // pci_add_capability: the capability's bytes are read-only except what msix_init opens up
    for (let at = L.MSIX_CAP; at < L.MSIX_CAP + L.PCI_CAP_MSIX_SIZEOF; at++) view.setUint8(wmask(at), 0);
    view.setUint16(cfg(L.PCI_STATUS), L.PCI_STATUS_CAP_LIST, true);
    view.setUint8(cfg(L.PCI_CAPABILITY_LIST), L.MSIX_CAP);
    view.setUint8(cfg(L.MSIX_CAP), L.PCI_CAP_ID_MSIX);
    view.setUint16(cfg(L.MSIX_FLAGS), vectors - 1, true);
    view.setUint32(cfg(L.MSIX_TABLE), 1, true);
    view.setUint32(cfg(L.MSIX_PBA), layout.pbaOffset | 1, true);
    view.setUint16(wmask(L.MSIX_FLAGS), L.MSIX_FLAGS_ENABLE | L.MSIX_FLAGS_MASKALL, true);
  }
}
