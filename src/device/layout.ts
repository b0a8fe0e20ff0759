// What a device looks like to a guest, as its model declares it (src/models/*): a PCI function
// with config space and BARs, a virtio-mmio register window, or a sysbus device's MMIO regions;
// which region is which kind, its interrupts, and the extension bits it was realized with. Generic
// code builds the regions and the config space from this; only models decide it.
import * as L from '../../assembly/layout.ts';

/** How a BAR is decoded: a register file, the MSI-X table and PBA, memory, or a virtio-mmio window. */
export type BarKind = 'registers' | 'msix' | 'memory' | 'virtio-mmio';

export interface BarLayout {
  index: number;
  kind: BarKind;
  size: number;
  /** the BAR's low type bits: 0 (32-bit memory), 0xc (64-bit prefetchable), 0x8 (32-bit prefetchable) */
  type: number;
  /**
   * a register file of fixed-width registers taken only at that width, aligned (the 2010 device's
   * 16-bit registers, ivshmem-v2's 32-bit ones); otherwise registers are MMIO, any access cut as
   * QEMU's memory core cuts it
   */
  registerWidth?: 2 | 4;
  /** a sysbus device's region: its name in QEMU ("ivshmem-mmio"), said in messages for BARn */
  name?: string;
  /** a sysbus device's region: where the board maps it on the guest's bus */
  address?: bigint;
  /**
   * parts of a memory BAR this device may read but not write (ivshmem-v2's state table and the
   * other peers' output sections): a write there is refused, and `bytes` is a copy
   */
  readOnly?: ReadOnlyRange[];
}

/** A read-only part of a memory BAR, and why, as a refused write says it. */
export interface ReadOnlyRange {
  offset: number;
  size: number;
  what: string;
}

/** A PCI capability beyond MSI-X, added after it as pci_add_capability adds one (at the list's head). */
export interface PciCapability {
  offset: number;
  /** its bytes from the ID on (the next pointer is filled in when it is linked) */
  bytes: Uint8Array;
  /** the bits software may write, per byte (0 elsewhere: a capability is read-only) */
  writable: Uint8Array;
}

/** What a PCI function says it is, in its config space header. */
export interface PciIdentity {
  /** the vendor ID */
  vendor: number;
  /** the device ID */
  device: number;
  /** base class, sub-class and programming interface: 0xBBSSPP */
  classCode: number;
}

export interface DeviceLayout {
  /**
   * 'pci': a PCI function (config space, BARs need Memory Space Enable); 'virtio-mmio': a window
   * only; 'sysbus': MMIO regions a board maps (bar(n) is sysbus MMIO region n), always decoded
   */
  transport: 'pci' | 'virtio-mmio' | 'sysbus';
  /** The PCI Revision ID: 1 on ivshmem-plain and -doorbell, 0 on the others. */
  revision: number;
  /** The PCI Interrupt Pin (1 = INTA), 0 for none. */
  interruptPin: number;
  /** It has an MSI-X capability. */
  msix: boolean;
  /** It raises INTx (the legacy device with msi=off, the 2010 device with a server). */
  intx: boolean;
  /** interrupt vectors (1 for a device without MSI-X) */
  vectors: number;
  /** one IRQ output pulsed per event (a sysbus device), rather than MSI-X or INTx */
  pulse?: boolean;
  /** a sysbus device: the interrupt controller input its IRQ line is wired to (a QOM path) */
  irq?: string;
  /** the vectors its Doorbell decodes: 256 unless said (QEMU's ivshmem takes `value & 0xff`) */
  doorbellVectors?: number;
  /** Its BARs (a sysbus device's MMIO regions): index, kind, size, and a region's QEMU name and address. */
  bars: BarLayout[];
  /** MSI-X: where the PBA starts in BAR1 */
  pbaOffset: number;
  /** the BAR that maps the shared memory (a virtio-mmio device has none) */
  memoryBar?: number;
  /** extension feature bits (FEATURE_X_*), for a device realized with x- properties */
  extensions: number;
  /** x-name: the name its guest reads in BAR0 */
  name?: string;
  /** vendor, device and class, if not ivshmem's 1af4:1110, class 0500 */
  identity?: PciIdentity;
  /** capabilities after MSI-X */
  capabilities?: PciCapability[];
}

const IVSHMEM: PciIdentity = { vendor: 0x1af4, device: 0x1110, classCode: 0x050000 };

/** Where a device's shared memory is: an offset in the shared WebAssembly.Memory, and its size. */
export interface MemoryPlace {
  /** Where it starts in the shared WebAssembly.Memory. */
  offset: number;
  /** Its size in bytes. */
  size: number;
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

/** The feature word of the device block: interrupts from the layout, plus its extensions. */
export function featureBits(layout: DeviceLayout): number {
  return (layout.msix ? L.FEATURE_MSIX : 0) | (layout.intx ? L.FEATURE_INTX : 0) | (layout.pulse ? L.FEATURE_PULSE : 0) | layout.extensions;
}

/**
 * Writes a PCI function's config space, its write mask and its write-1-to-clear mask into the
 * device block, as pci_qdev_realize, pci_register_bar, msix_init and pci_add_capability leave
 * them. The identity is every ivshmem's (vendor 1af4, device 1110, class 0500) unless the layout
 * says otherwise; the subsystem is QEMU's default for every device, 1af4:1100.
 */
export function writeConfigSpace(view: DataView, block: number, layout: DeviceLayout): void {
  const cfg = (offset: number) => block + L.DEV_CONFIG + offset;
  const wmask = (offset: number) => block + L.DEV_WMASK + offset;
  const identity = layout.identity ?? IVSHMEM;
  view.setUint16(cfg(L.PCI_VENDOR_ID), identity.vendor, true);
  view.setUint16(cfg(L.PCI_DEVICE_ID), identity.device, true);
  view.setUint8(cfg(L.PCI_REVISION_ID), layout.revision);
  view.setUint8(cfg(L.PCI_CLASS_PROG), identity.classCode & 0xff);
  view.setUint16(cfg(L.PCI_CLASS_PROG + 1), identity.classCode >>> 8, true);
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
    view.setUint16(cfg(L.MSIX_FLAGS), layout.vectors - 1, true);
    view.setUint32(cfg(L.MSIX_TABLE), 1, true);
    view.setUint32(cfg(L.MSIX_PBA), layout.pbaOffset | 1, true);
    view.setUint16(wmask(L.MSIX_FLAGS), L.MSIX_FLAGS_ENABLE | L.MSIX_FLAGS_MASKALL, true);
  }
  for (const cap of layout.capabilities ?? []) {
    cap.bytes.forEach((byte, i) => view.setUint8(cfg(cap.offset + i), byte));
    cap.writable.forEach((bits, i) => view.setUint8(wmask(cap.offset + i), bits));
    view.setUint8(cfg(cap.offset + 1), view.getUint8(cfg(L.PCI_CAPABILITY_LIST)));
    view.setUint8(cfg(L.PCI_CAPABILITY_LIST), cap.offset);
    view.setUint16(cfg(L.PCI_STATUS), L.PCI_STATUS_CAP_LIST, true);
  }
}
