// A device's guest-visible regions, built from its layout: PCI config space, and each BAR decoded
// by its kind (a register file, the MSI-X table and PBA, memory, a virtio-mmio window), or a sysbus
// device's MMIO regions (bar(n) is region n, named as QEMU names it). How an
// access goes through one: src/device/region.ts.
import * as L from '../../assembly/layout.ts';
import { AccessError } from '../errors.ts';
import { IVSHMEM_MMIO, MSIX_MMIO } from './access.ts';
import { ConfigSpace } from './config-space.ts';
import type { BarLayout } from './layout.ts';
import { MemoryBar } from './memory-bar.ts';
import { MmioBar } from './mmio-bar.ts';
import type { Bar, Region32, RegionOwner } from './region.ts';
import { RegisterFileBar } from './register-file-bar.ts';
import { VIRTIO_MMIO_OPS } from './virtio-mmio.ts';

/** PCI configuration space, or (a virtio-mmio or sysbus device has none) a region that says so. */
export function configSpace(owner: RegionOwner): Region32 {
  if (owner.layout.transport === 'pci') return new ConfigSpace(owner);
  const refuse = (): never => {
    throw new AccessError(`${owner.name} is a ${owner.layout.transport} device: it has no PCI configuration space (its registers are bar(0))`);
  };
  return { read: refuse as Region32['read'], write: refuse };
}

/** One BAR of the device, decoded by its kind. */
export function makeBar(owner: RegionOwner, bar: BarLayout): Bar {
  switch (bar.kind) {
    case 'registers':
      if (bar.registerWidth) return new RegisterFileBar(owner, { ...bar, registerWidth: bar.registerWidth });
      return new MmioBar(owner, bar, IVSHMEM_MMIO, { first: L.ACCESS_BAR0, firstEnd: bar.size }, true);
    case 'msix': {
      const { vectors, pbaOffset } = owner.layout;
      const pba = { handler: L.ACCESS_MSIX_PBA, at: pbaOffset, size: Math.ceil(vectors / 64) * 8 };
      return new MmioBar(owner, bar, MSIX_MMIO, { first: L.ACCESS_MSIX_TABLE, firstEnd: vectors * L.MSIX_ENTRY_SIZE, second: pba });
    }
    case 'memory': return new MemoryBar(owner, bar);
    case 'virtio-mmio': return new MmioBar(owner, bar, VIRTIO_MMIO_OPS, { first: L.ACCESS_VIRTIO_MMIO, firstEnd: bar.size });
  }
}
