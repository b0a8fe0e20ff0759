// A device region's two paths, which give the same results. The fast path takes what a driver
// does nearly always: an integer offset aligned to its width, a value that fits, on a plugged
// device. Such an access needs none of QEMU's splitting, and the checks that look at the device
// (a VM's inbox, Memory Space Enable) are made by the core in the same call as the access
// (assembly/access.ts): a few comparisons and one call into the core, with no allocation but the
// bigint an 8-byte read returns. When the core refuses (nothing done), and for anything else, the
// full path: every check (src/device/access.ts) with its AccessError, which changes nothing, then
// the access cut into the pieces QEMU's memory core would hand the device. Each kind of region
// (config-space.ts, mmio-bar.ts, register-file-bar.ts, memory-bar.ts) has both; regions.ts builds a
// device's from its layout.
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import { AccessError } from '../errors.ts';
import { checkAccess, checkValue, type AccessRules, type Width } from './access.ts';
import type { BarLayout, DeviceLayout, MemoryPlace } from './layout.ts';

export interface Region32 {
  /** Reads `size` bytes (1, 2, 4 or 8) at `offset`, as the guest's access would (a bigint for 8). */
  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint;
  /** Writes `size` bytes (1, 2, 4 or 8) at `offset`, as the guest's access would. */
  write(offset: number, size: number, value: number | bigint): void;
}

export interface Bar extends Region32 {
  /** Its number: BARn, or a sysbus device's region n. */
  readonly index: number;
  /** Its size in bytes. */
  readonly size: number;
  /**
   * the BAR that maps the shared memory: that memory, as the host sees it; a copy of it when
   * parts of it are read-only to this device (ivshmem-v2: writing into the copy lands nowhere)
   */
  readonly bytes: Uint8Array | undefined;
}

/**
 * What the regions (and the device's other views) reach of their device: its block, its core, and
 * its checks. Plain fields, since every access reads them: a getter per device (an object literal's)
 * cost the fast path more than the core's decoding (V8 did not inline it).
 */
export class RegionOwner {
  /** false once the device has been unplugged */
  plugged = true;
  /** where the shared memory is mapped, once it is */
  place: MemoryPlace | undefined;

  constructor(
    readonly name: string,
    readonly block: number,
    readonly core: CoreExports,
    readonly memory: WebAssembly.Memory,
    readonly layout: DeviceLayout,
    /** runs before every register access: a VM takes its server's pending messages there */
    readonly beforeRegisterAccess: (() => void) | undefined,
  ) {}

  /** throws once the device has been unplugged */
  checkPlugged(): void {
    if (!this.plugged) throw new AccessError(`${this.name} has been unplugged`);
  }
}

/** Whether the fast path takes `offset` for a `size`-byte access (1, 2, 4 or 8) in `limit` bytes: an integer, aligned, inside. */
export function aligned(offset: unknown, size: number, limit: number): offset is number {
  return typeof offset === 'number' && offset >>> 0 === offset && (offset & (size - 1)) === 0 && offset + size <= limit;
}

/** Whether the fast path takes `value` for a 1, 2 or 4-byte access: a whole number that fits. */
export function narrowValue(value: unknown, size: number): value is number {
  return typeof value === 'number' && value >>> 0 === value && (size === 4 || value < (size === 1 ? 0x100 : 0x10000));
}

export const MAX_U64 = (1n << 64n) - 1n;
export const U32 = 0x1_0000_0000;

/** Whether the fast path takes `value` for an 8-byte access: a bigint that fits, or a number that is a safe integer. */
export function wideValue(value: unknown): value is number | bigint {
  return typeof value === 'bigint' ? value >= 0n && value <= MAX_U64 : typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A region with its full path: every check with its error, then the access as the region decodes any width. */
export abstract class Region implements Region32 {
  protected readonly core: CoreExports;
  protected readonly block: number;

  constructor(protected readonly owner: RegionOwner, protected readonly rules: AccessRules, private readonly bar: BarLayout | undefined, private readonly registers: boolean) {
    this.core = owner.core;
    this.block = owner.block;
  }

  abstract read(offset: number, size: 1 | 2 | 4): number;
  abstract read(offset: number, size: 8): bigint;
  abstract read(offset: number, size: number): number | bigint;
  abstract write(offset: number, size: number, value: number | bigint): void;

  /** the access, once every check passed */
  protected abstract decode(offset: number, width: Width): number | bigint;
  protected abstract encode(offset: number, width: Width, value: number | bigint): void;

  protected fullRead(offset: number, size: number): number | bigint {
    checkAccess(this.rules, offset, size);
    this.enter();
    return this.decode(offset, size);
  }

  protected fullWrite(offset: number, size: number, value: number | bigint): void {
    checkAccess(this.rules, offset, size);
    const v = checkValue(this.rules, size, value);
    this.enter();
    this.encode(offset, size, v);
  }

  // The checks that look at the device, in their order: the server's messages taken (a VM takes
  // them before a register access, so that a doorbell to a newcomer finds it), plugged, and for a
  // PCI function's BAR, Memory Space Enable.
  private enter(): void {
    if (this.registers) this.owner.beforeRegisterAccess?.();
    this.owner.checkPlugged();
    if (!this.bar || this.owner.layout.transport !== 'pci') return;
    if ((this.core.configRead(this.block, L.PCI_COMMAND, 2) & L.PCI_COMMAND_MEMORY) === 0) {
      throw new AccessError(`${this.owner.name} BAR${this.bar.index} is not decoded: Memory Space Enable (bit 1 of the Command register) is clear`);
    }
  }
}

export abstract class BarRegion extends Region implements Bar {
  readonly index: number;
  readonly size: number;

  constructor(owner: RegionOwner, bar: BarLayout, rules: Omit<AccessRules, 'name' | 'size'>, registers = false) {
    super(owner, { ...rules, name: `${owner.name} ${bar.name ?? `BAR${bar.index}`}`, size: bar.size }, bar, registers);
    this.index = bar.index;
    this.size = bar.size;
  }

  get bytes(): Uint8Array | undefined {
    this.owner.checkPlugged();
    return undefined;
  }
}
