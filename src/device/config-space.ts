// PCI configuration space as a guest driver reaches it: 1, 2 or 4-byte accesses, aligned, each
// one call into the core (assembly/pci-config.ts), which keeps QEMU's write masks.
import * as L from '../../assembly/layout.ts';
import type { Width } from './access.ts';
import { Region, type RegionOwner, aligned, narrowValue } from './region.ts';

/** PCI configuration space: 1, 2 or 4-byte accesses, aligned. */
export class ConfigSpace extends Region {
  constructor(owner: RegionOwner) {
    super(owner, { name: `${owner.name} config space`, size: L.CONFIG_SIZE, widths: [1, 2, 4], widthReason: 'PCI configuration accesses are 1, 2 or 4 bytes' }, undefined, false);
  }

  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint {
    if ((size === 4 || size === 2 || size === 1) && aligned(offset, size, L.CONFIG_SIZE) && this.owner.plugged) return this.core.configRead(this.block, offset, size) >>> 0;
    return this.fullRead(offset, size);
  }

  write(offset: number, size: number, value: number | bigint): void {
    if ((size === 4 || size === 2 || size === 1) && aligned(offset, size, L.CONFIG_SIZE) && narrowValue(value, size) && this.owner.plugged) {
      this.core.configWrite(this.block, offset, size, value);
    } else {
      this.fullWrite(offset, size, value);
    }
  }

  protected decode(offset: number, width: Width): number {
    return this.core.configRead(this.block, offset, width) >>> 0;
  }

  protected encode(offset: number, width: Width, value: number | bigint): void {
    this.core.configWrite(this.block, offset, width, Number(value));
  }
}
