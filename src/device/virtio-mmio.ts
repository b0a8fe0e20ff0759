// A virtio-mmio register window as a BAR of the Device API, taken the way QEMU's memory core hands
// accesses to hw/virtio/virtio-mmio.c (whose MemoryRegionOps leave valid and impl at their
// defaults, 1..4 bytes): an 8-byte access becomes two 4-byte ones, an unaligned one is cut at its
// alignment (src/device/access.ts). virtio_mmio_read/write then ignore a register access (below
// 0x100) that is not 4 bytes wide: it reads 0 and writes nothing; the config space from 0x100 takes
// 1, 2 and 4 bytes. A virtio-mmio device is no PCI function: its window needs no Memory Space Enable.
import * as L from '../../assembly/layout.ts';
import type { MmioOps } from './access.ts';

export const VIRTIO_MMIO_OPS: MmioOps = { validMin: 1, validMax: 4, implMin: 1, implMax: 4 };

/** Whether virtio_mmio_read/write decode a `size`-byte access at `at` (the rest read 0 and write nothing). */
export function virtioMmioRegister(at: number, size: number): boolean {
  return at >= L.VIRTIO_MMIO_CONFIG || size === 4;
}
