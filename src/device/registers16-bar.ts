// The 2010 device's BAR0 (its first spec's five 16-bit registers), decoded by the core's BAR0
// handler (assembly/registers.ts).
import * as L from '../../assembly/layout.ts';
import type { Width } from './access.ts';
import type { BarLayout } from './layout.ts';
import { BarRegion, type RegionOwner, aligned, narrowValue } from './region.ts';

/** The 2010 device's BAR0: five 16-bit registers, taken only at that width, aligned. */
export class Registers16Bar extends BarRegion {
  constructor(owner: RegionOwner, bar: BarLayout) {
    super(owner, bar, { widths: [2], widthReason: 'the registers are 16-bit' }, true);
  }

  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint {
    if (size === 2 && aligned(offset, 2, this.size) && this.owner.plugged) {
      const value = this.core.accessRead(this.block, L.ACCESS_BAR0, offset, 2);
      if (value >= 0) return value;
    }
    return this.fullRead(offset, size);
  }

  write(offset: number, size: number, value: number | bigint): void {
    if (size === 2 && aligned(offset, 2, this.size) && narrowValue(value, 2) && this.owner.plugged && this.core.accessWrite(this.block, L.ACCESS_BAR0, offset, 2, value) === 0) return;
    this.fullWrite(offset, size, value);
  }

  protected decode(offset: number): number {
    return this.core.handlerRead(this.block, L.ACCESS_BAR0, offset, 2) >>> 0;
  }

  protected encode(offset: number, _width: Width, value: number | bigint): void {
    this.core.handlerWrite(this.block, L.ACCESS_BAR0, offset, 2, Number(value));
  }
}
