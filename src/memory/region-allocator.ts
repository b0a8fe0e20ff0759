// The host's allocator for regions of the shared memory: memory backends and device blocks,
// page aligned, first fit, with neighbours merged on free. Only the host allocates (it runs on one
// thread), so this is plain JavaScript; the workers only ever see offsets.
import { PAGE } from '../../assembly/layout.ts';

export interface Region {
  offset: number;
  size: number;
}

export class RegionAllocator {
  private free: Region[];

  constructor(start: number, end: number) {
    this.free = [{ offset: start, size: end - start }];
  }

  /** Bytes available in the largest free region. */
  get largestFree(): number {
    return this.free.reduce((max, r) => Math.max(max, r.size), 0);
  }

  /** Bytes available in all free regions together. */
  get freeBytes(): number {
    return this.free.reduce((sum, r) => sum + r.size, 0);
  }

  allocate(size: number): Region | undefined {
    const rounded = Math.ceil(size / PAGE) * PAGE;
    const index = this.free.findIndex((r) => r.size >= rounded);
    if (index < 0) return undefined;
    const hole = this.free[index];
    const region = { offset: hole.offset, size: rounded };
    if (hole.size === rounded) this.free.splice(index, 1);
    else this.free[index] = { offset: hole.offset + rounded, size: hole.size - rounded };
    return region;
  }

  release(region: Region): void {
    const index = this.free.findIndex((r) => r.offset > region.offset);
    const at = index < 0 ? this.free.length : index;
    this.free.splice(at, 0, { ...region });
    const merged: Region[] = [];
    for (const r of this.free) {
      const last = merged[merged.length - 1];
      if (last && last.offset + last.size === r.offset) last.size += r.size;
      else merged.push({ ...r });
    }
    this.free = merged;
  }
}
