// A BAR0 whose registers take exactly one width, aligned (the 2010 device's five 16-bit registers,
// ivshmem-v2's 32-bit ones), decoded by the core's BAR0 handler (assembly/registers.ts).
import * as L from '../../assembly/layout.ts';
import type { Width } from './access.ts';
import type { BarLayout } from './layout.ts';
import { BarRegion, type RegionOwner, aligned, narrowValue } from './region.ts';

/** A register file taken only at its registers' width, aligned. */
export class RegisterFileBar extends BarRegion {
  private readonly width: 2 | 4;

  constructor(owner: RegionOwner, bar: BarLayout & { registerWidth: 2 | 4 }) {
    super(owner, bar, { widths: [bar.registerWidth], widthReason: `the registers are ${bar.registerWidth * 8}-bit` }, true);
    this.width = bar.registerWidth;
  }

  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint {
    if (size === this.width && aligned(offset, size, this.size) && this.owner.plugged) {
      const value = this.core.accessRead(this.block, L.ACCESS_BAR0, offset, size);
      if (value >= 0) return value;
    }
    return this.fullRead(offset, size);
  }

  write(offset: number, size: number, value: number | bigint): void {
    if (size === this.width && aligned(offset, size, this.size) && narrowValue(value, size) && this.owner.plugged && this.core.accessWrite(this.block, L.ACCESS_BAR0, offset, size, value) === 0) return;
    this.fullWrite(offset, size, value);
  }

  protected decode(offset: number): number {
    return this.core.handlerRead(this.block, L.ACCESS_BAR0, offset, this.width) >>> 0;
  }

  protected encode(offset: number, _width: Width, value: number | bigint): void {
    this.core.handlerWrite(this.block, L.ACCESS_BAR0, offset, this.width, Number(value));
  }
}
