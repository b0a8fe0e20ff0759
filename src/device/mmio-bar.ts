// The BARs QEMU implements as MMIO regions: ivshmem's BAR0 registers, the MSI-X table and PBA, a
// virtio-mmio window, each decoded by the core's handlers (assembly/access.ts names them). Any
// width up to 8 at any offset. An aligned access needs none of QEMU's splitting: one handler call
// of its width (none below the region's valid.min_access_size, which reads 0; raised to
// impl.min_access_size and cut back to the width), or, for 8 bytes, two 4-byte calls, low half
// first: exactly the pieces flatview_read/write_continue would make of it.
import * as L from '../../assembly/layout.ts';
import { mmioRead, mmioWrite, type MmioOps, type Width } from './access.ts';
import type { BarLayout } from './layout.ts';
import { BarRegion, type RegionOwner, U32, aligned, narrowValue, wideValue } from './region.ts';

/** Where a BAR's accesses go: the core's handler (ACCESS_*) for offsets below `firstEnd`, another in a window (the PBA). */
export interface Handlers {
  first: number;
  firstEnd: number;
  second?: { handler: number; at: number; size: number };
}

// One class for every kind (the handlers are the core's, named by number), so that the code every
// access runs sees one kind of object: V8 slowed it by half when it saw three.
export class MmioBar extends BarRegion {
  private readonly first: number;
  private readonly firstEnd: number;
  private readonly second: number;
  private readonly secondAt: number;
  private readonly secondSize: number;
  private readonly validMin: number;
  private readonly implMin: number;

  constructor(owner: RegionOwner, bar: BarLayout, private readonly ops: MmioOps, handlers: Handlers, registers = false) {
    super(owner, bar, { widths: [1, 2, 4, 8], widthReason: 'an access is 1, 2, 4 or 8 bytes', aligned: false }, registers);
    this.validMin = ops.validMin;
    this.implMin = ops.implMin;
    this.first = handlers.first;
    this.firstEnd = handlers.firstEnd;
    this.second = handlers.second?.handler ?? L.ACCESS_NONE;
    this.secondAt = handlers.second?.at ?? 0;
    this.secondSize = handlers.second?.size ?? 0;
  }

  /** the handler `offset` reaches */
  private handler(offset: number): number {
    if (offset < this.firstEnd) return this.first;
    return offset - this.secondAt >= 0 && offset - this.secondAt < this.secondSize ? this.second : L.ACCESS_NONE;
  }

  /** `offset` as the handler sees it */
  private within(handler: number, offset: number): number {
    return handler === this.second ? offset - this.secondAt : offset;
  }

  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint {
    if ((size === 4 || size === 8 || size === 2 || size === 1) && aligned(offset, size, this.size) && this.owner.plugged) {
      const handler = this.handler(offset);
      if (size === 8) {
        const value = this.core.accessRead64(this.block, handler, this.within(handler, offset));
        if (value >= 0n) return value;
        if (value !== -1n || this.core.lastRefusal() === 0) return BigInt.asUintN(64, value);
      } else if (size < this.validMin) {
        if (this.core.accessCheck(this.block, handler) === 0) return 0;
      } else {
        const value = this.core.accessRead(this.block, handler, this.within(handler, offset), size < this.implMin ? this.implMin : size);
        if (value >= 0) return size === 4 ? value : value & (size === 1 ? 0xff : 0xffff);
      }
    }
    return this.fullRead(offset, size);
  }

  write(offset: number, size: number, value: number | bigint): void {
    if (size === 8) {
      if (aligned(offset, 8, this.size) && wideValue(value) && this.owner.plugged && this.wide(offset, value)) return;
    } else if ((size === 4 || size === 2 || size === 1) && aligned(offset, size, this.size) && narrowValue(value, size) && this.owner.plugged) {
      const handler = this.handler(offset);
      if (size < this.validMin) {
        if (this.core.accessCheck(this.block, handler) === 0) return;
      } else if (this.core.accessWrite(this.block, handler, this.within(handler, offset), size < this.implMin ? this.implMin : size, value) === 0) {
        return;
      }
    }
    this.fullWrite(offset, size, value);
  }

  /** An aligned 8-byte write of a value that fits; false when the core refused it (nothing done). */
  private wide(offset: number, value: number | bigint): boolean {
    const handler = this.handler(offset);
    const at = this.within(handler, offset);
    if (typeof value === 'bigint') return this.core.accessWrite64(this.block, handler, at, value) === 0;
    const low = value >>> 0;
    if (this.core.accessWrite(this.block, handler, at, 4, low) !== 0) return false;
    // the high half is the same access, already let through
    this.core.handlerWrite(this.block, handler, at + 4, 4, (value - low) / U32);
    return true;
  }

  protected decode(offset: number, width: Width): number | bigint {
    const value = mmioRead(this.ops, offset, width, (at, size) => {
      const handler = this.handler(at);
      return this.core.handlerRead(this.block, handler, this.within(handler, at), size) >>> 0;
    });
    return width === 8 ? value : Number(value);
  }

  protected encode(offset: number, width: Width, value: number | bigint): void {
    mmioWrite(this.ops, offset, width, BigInt(value), (at, size, v) => {
      const handler = this.handler(at);
      this.core.handlerWrite(this.block, handler, this.within(handler, at), size, v);
    });
  }
}
