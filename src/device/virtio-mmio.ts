// A virtio-mmio register window as a BAR of the Device API, taken the way QEMU's memory core hands
// accesses to hw/virtio/virtio-mmio.c (whose MemoryRegionOps leave valid and impl at their
// defaults, 1..4 bytes): an 8-byte access becomes two 4-byte ones, an unaligned one is cut at its
// alignment (src/device/access.ts). virtio_mmio_read/write then ignore a register access (below
// 0x100) that is not 4 bytes wide: it reads 0 and writes nothing; the config space from 0x100 takes
// 1, 2 and 4 bytes. A virtio-mmio device is no PCI function: its window needs no Memory Space Enable.
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import type { MmioOps } from './access.ts';

export const VIRTIO_MMIO_OPS: MmioOps = { validMin: 1, validMax: 4, implMin: 1, implMax: 4 };

export function virtioMmioHandlers(core: CoreExports, block: number) {
  const register = (at: number, size: number) => at >= L.VIRTIO_MMIO_CONFIG || size === 4;
  return {
    read: (at: number, size: number) => (register(at, size) ? core.virtioMmioRead(block, at, size) >>> 0 : 0),
    write: (at: number, size: number, value: number) => {
      if (register(at, size)) core.virtioMmioWrite(block, at, size, value);
    },
  };
}
