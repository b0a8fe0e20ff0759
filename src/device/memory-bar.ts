// The BAR that maps the shared memory (BAR2, or BAR1 on the 2010 device): plain loads and stores
// in the shared WebAssembly.Memory, once the core has said the BAR is decoded; an 8-byte access of
// a bigint is the core's own load or store, in the call that checks (DataView's bigint accessors
// cost twice the whole access in Node 20).
import * as L from '../../assembly/layout.ts';
import { AccessError } from '../errors.ts';
import type { Width } from './access.ts';
import type { BarLayout } from './layout.ts';
import { BarRegion, type RegionOwner, U32, aligned, narrowValue, wideValue } from './region.ts';

/** The BAR that maps the shared memory: any width up to 8, at any offset. */
export class MemoryBar extends BarRegion {
  private readonly view: DataView;
  /** the parts this device may not write (ivshmem-v2: the state table, the other peers' output sections) */
  private readonly readOnly: BarLayout['readOnly'];

  constructor(owner: RegionOwner, bar: BarLayout) {
    super(owner, bar, { widths: [1, 2, 4, 8], widthReason: 'memory takes 1, 2, 4 or 8-byte accesses', aligned: false });
    this.view = new DataView(owner.memory.buffer);
    this.readOnly = bar.readOnly?.length ? bar.readOnly : undefined;
  }

  override get bytes(): Uint8Array | undefined {
    this.owner.checkPlugged();
    const place = this.owner.place;
    if (!place) return undefined;
    const live = new Uint8Array(this.owner.memory.buffer, place.offset, this.size);
    // With read-only parts, a copy: a write into it lands nowhere, as one into a read-only mapping.
    return this.readOnly ? live.slice() : live;
  }

  /** mapped and decoded (the core checks Memory Space Enable): where `offset` is in the memory, or -1 */
  private at(offset: unknown, size: number): number {
    const place = this.owner.place;
    if (!place || !aligned(offset, 1, this.size - size + 1) || !this.owner.plugged || this.core.accessCheck(this.block, L.ACCESS_NONE) !== 0) return -1;
    return place.offset + offset;
  }

  /** mapped and inside (the 8-byte path, whose one call into the core makes the checks): where `offset` is in the memory, or -1 */
  private at64(offset: unknown): number {
    const place = this.owner.place;
    return place && aligned(offset, 1, this.size - 7) && this.owner.plugged ? place.offset + offset : -1;
  }

  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint {
    if (size === 8) {
      const at = this.at64(offset);
      if (at >= 0) {
        const value = this.core.memoryRead64(this.block, at);
        if (value >= 0n) return value;
        if (value !== -1n || this.core.lastRefusal() === 0) return BigInt.asUintN(64, value);
      }
    } else if (size === 4 || size === 2 || size === 1) {
      const at = this.at(offset, size);
      if (at >= 0) return this.load(at, size);
    }
    return this.fullRead(offset, size);
  }

  write(offset: number, size: number, value: number | bigint): void {
    if (size === 8) {
      if (typeof value === 'bigint' && wideValue(value)) {
        const at = this.at64(offset);
        if (at >= 0) {
          if (this.readOnly) this.refuseReadOnly(offset, 8);
          if (this.core.memoryWrite64(this.block, at, value) === 0) return;
        }
      } else if (wideValue(value)) {
        const at = this.at(offset, 8);
        if (at >= 0) {
          if (this.readOnly) this.refuseReadOnly(offset, 8);
          this.store(at, 8, value);
          return;
        }
      }
    } else if ((size === 4 || size === 2 || size === 1) && narrowValue(value, size)) {
      const at = this.at(offset, size);
      if (at >= 0) {
        if (this.readOnly) this.refuseReadOnly(offset, size);
        this.store(at, size, value);
        return;
      }
    }
    this.fullWrite(offset, size, value);
  }

  // Refused as a write into a read-only mapping would be, before anything is written.
  private refuseReadOnly(offset: number, width: number): void {
    const refused = this.readOnly!.find((range) => offset < range.offset + range.size && range.offset < offset + width);
    if (refused) throw new AccessError(`${this.rules.name}: a ${width}-byte write at offset 0x${offset.toString(16)} is refused: ${refused.what} is read-only to this device`);
  }

  private load(at: number, width: number): number | bigint {
    switch (width) {
      case 1: return this.view.getUint8(at);
      case 2: return this.view.getUint16(at, true);
      case 4: return this.view.getUint32(at, true);
      default: return this.view.getBigUint64(at, true);
    }
  }

  private store(at: number, width: number, value: number | bigint): void {
    switch (width) {
      case 1: this.view.setUint8(at, Number(value)); break;
      case 2: this.view.setUint16(at, Number(value), true); break;
      case 4: this.view.setUint32(at, Number(value), true); break;
      default:
        if (typeof value === 'bigint') {
          this.view.setBigUint64(at, value, true);
        } else {
          this.view.setUint32(at, value >>> 0, true);
          this.view.setUint32(at + 4, Math.floor(value / U32), true);
        }
    }
  }

  private mappedAt(): number {
    const place = this.owner.place;
    if (!place) throw new AccessError(`${this.rules.name} is not backed yet: the server has not delivered the shared memory (IVPosition reads -1)`);
    return place.offset;
  }

  protected decode(offset: number, width: Width): number | bigint {
    return this.load(this.mappedAt() + offset, width);
  }

  protected encode(offset: number, width: Width, value: number | bigint): void {
    if (this.readOnly) this.refuseReadOnly(offset, width);
    this.store(this.mappedAt() + offset, width, value);
  }
}
