// A device's guest-visible regions, built from its layout: PCI config space, and each BAR decoded
// by its kind (a register file, the MSI-X table and PBA, memory, a virtio-mmio window). Every
// access is checked (src/device/access.ts) before it reaches the core, and refused with an
// AccessError that changes nothing.
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import { AccessError } from '../errors.ts';
import { checkAccess, checkValue, mmioRead, mmioWrite, IVSHMEM_MMIO, MSIX_MMIO, type AccessRules, type MmioOps, type Width } from './access.ts';
import type { BarLayout, DeviceLayout, MemoryPlace } from './layout.ts';
import { virtioMmioHandlers, VIRTIO_MMIO_OPS } from './virtio-mmio.ts';

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
  /** the BAR that maps the shared memory: that memory, as the host sees it */
  readonly bytes: Uint8Array | undefined;
}

/** What the regions reach of their device: its block, its core, and its checks. */
export interface RegionOwner {
  readonly name: string;
  readonly block: number;
  readonly core: CoreExports;
  readonly memory: WebAssembly.Memory;
  readonly layout: DeviceLayout;
  /** where the shared memory is mapped, once it is */
  mapped(): MemoryPlace | undefined;
  /** throws once the device has been unplugged */
  checkPlugged(): void;
  /** runs before every register access: a VM takes its server's pending messages there */
  beforeRegisterAccess?(): void;
}

function region(
  owner: RegionOwner,
  rules: AccessRules,
  read: (offset: number, width: Width) => number | bigint,
  write: (offset: number, width: Width, value: number | bigint) => void,
  before: () => void = () => owner.checkPlugged(),
): Region32 {
  return {
    read: ((offset: number, size: number) => {
      checkAccess(rules, offset, size);
      before();
      return read(offset, size);
    }) as Region32['read'],
    write: (offset: number, size: number, value: number | bigint) => {
      checkAccess(rules, offset, size);
      const v = checkValue(rules, size, value);
      before();
      write(offset, size, v);
    },
  };
}

/** PCI configuration space: 1, 2 or 4-byte accesses, aligned. */
export function configSpace(owner: RegionOwner): Region32 {
  if (owner.layout.transport !== 'pci') {
    const refuse = (): never => {
      throw new AccessError(`${owner.name} is a ${owner.layout.transport} device: it has no PCI configuration space (its registers are bar(0))`);
    };
    return { read: refuse as Region32['read'], write: refuse };
  }
  const { core, block } = owner;
  return region(
    owner,
    { name: `${owner.name} config space`, size: L.CONFIG_SIZE, widths: [1, 2, 4], widthReason: 'PCI configuration accesses are 1, 2 or 4 bytes' },
    (offset, width) => core.configRead(block, offset, width) >>> 0,
    (offset, width, value) => core.configWrite(block, offset, width, Number(value)),
  );
}

// A PCI BAR is decoded only while Memory Space Enable is set; a virtio-mmio window or a sysbus
// region always is.
function decoded(owner: RegionOwner, bar: BarLayout): void {
  owner.checkPlugged();
  if (owner.layout.transport !== 'pci') return;
  const command = owner.core.configRead(owner.block, L.PCI_COMMAND, 2);
  if ((command & L.PCI_COMMAND_MEMORY) === 0) {
    throw new AccessError(`${owner.name} BAR${bar.index} is not decoded: Memory Space Enable (bit 1 of the Command register) is clear`);
  }
}

// BAR0 and BAR1 are MMIO in QEMU: any width up to 8 at any offset, cut into the accesses QEMU's
// memory core would make (src/device/access.ts).
function mmioRegion(
  owner: RegionOwner, name: string, bar: BarLayout, ops: MmioOps,
  read: (at: number, size: number) => number,
  write: (at: number, size: number, value: number) => void,
  before: () => void,
): Region32 {
  return region(
    owner,
    { name, size: bar.size, widths: [1, 2, 4, 8], widthReason: 'an access is 1, 2, 4 or 8 bytes', aligned: false },
    (offset, width) => {
      const value = mmioRead(ops, offset, width, read);
      return width === 8 ? value : Number(value);
    },
    (offset, width, value) => mmioWrite(ops, offset, width, BigInt(value), write),
    before,
  );
}

function registers(owner: RegionOwner, name: string, bar: BarLayout, before: () => void): Region32 {
  const { core, block } = owner;
  const withInbox = () => {
    owner.beforeRegisterAccess?.();
    before();
  };
  if (bar.registerWidth === 2) {
    return region(
      owner,
      { name, size: bar.size, widths: [2], widthReason: 'the registers are 16-bit' },
      (offset) => core.bar0Read(block, offset) >>> 0,
      (offset, _w, value) => core.bar0Write(block, offset, Number(value)),
      withInbox,
    );
  }
  return mmioRegion(owner, name, bar, IVSHMEM_MMIO, (at) => core.bar0Read(block, at), (at, _size, value) => core.bar0Write(block, at, value), withInbox);
}

function msix(owner: RegionOwner, name: string, bar: BarLayout, before: () => void): Region32 {
  const { core, block, layout } = owner;
  const tableSize = layout.vectors * L.MSIX_ENTRY_SIZE;
  const pbaSize = Math.ceil(layout.vectors / 64) * 8;
  const read = (offset: number) => {
    if (offset < tableSize) return core.msixTableRead(block, offset) >>> 0;
    const pba = offset - layout.pbaOffset;
    return pba >= 0 && pba < pbaSize ? core.msixPbaRead(block, pba) >>> 0 : 0;
  };
  const write = (offset: number, _size: number, value: number) => {
    if (offset < tableSize) core.msixTableWrite(block, offset, value);
  };
  return mmioRegion(owner, name, bar, MSIX_MMIO, read, write, before);
}

function memory(owner: RegionOwner, name: string, bar: BarLayout, before: () => void): Region32 {
  const view = new DataView(owner.memory.buffer);
  const mapped = () => {
    before();
    const place = owner.mapped();
    if (!place) throw new AccessError(`${name} is not backed yet: the server has not delivered the shared memory (IVPosition reads -1)`);
    return place.offset;
  };
  return region(
    owner,
    { name, size: bar.size, widths: [1, 2, 4, 8], widthReason: 'memory takes 1, 2, 4 or 8-byte accesses', aligned: false },
    (offset, width) => {
      const at = mapped() + offset;
      switch (width) {
        case 1: return view.getUint8(at);
        case 2: return view.getUint16(at, true);
        case 4: return view.getUint32(at, true);
        case 8: return view.getBigUint64(at, true);
      }
    },
    (offset, width, value) => {
      const at = mapped() + offset;
      switch (width) {
        case 1: view.setUint8(at, Number(value)); break;
        case 2: view.setUint16(at, Number(value), true); break;
        case 4: view.setUint32(at, Number(value), true); break;
        case 8: view.setBigUint64(at, BigInt(value), true); break;
      }
    },
  );
}

/** One BAR of the device, decoded by its kind. */
export function makeBar(owner: RegionOwner, bar: BarLayout): Bar {
  const name = `${owner.name} ${bar.name ?? `BAR${bar.index}`}`;
  const before = () => decoded(owner, bar);
  let decoder: Region32;
  switch (bar.kind) {
    case 'registers': decoder = registers(owner, name, bar, before); break;
    case 'msix': decoder = msix(owner, name, bar, before); break;
    case 'memory': decoder = memory(owner, name, bar, before); break;
    case 'virtio-mmio': {
      const { read, write } = virtioMmioHandlers(owner.core, owner.block);
      decoder = mmioRegion(owner, name, bar, VIRTIO_MMIO_OPS, read, write, before);
      break;
    }
  }
  return {
    ...decoder,
    index: bar.index,
    size: bar.size,
    get bytes() {
      owner.checkPlugged();
      const place = owner.mapped();
      if (bar.kind !== 'memory' || !place) return undefined;
      return new Uint8Array(owner.memory.buffer, place.offset, bar.size);
    },
  };
}
