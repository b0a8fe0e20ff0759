// A realized device: PCI config space, its BARs and its interrupt state, all living in a device
// block of the shared memory and decoded by the core. This is what a guest driver (or a test)
// touches: config.read/write, bar(n).read/write, and bar(2).bytes for the shared memory itself.
import * as L from '../../assembly/layout.ts';
import { AccessError, show } from '../errors.ts';
import type { CoreExports } from '../core/core.ts';
import { checkAccess, checkValue, mmioRead, mmioWrite, IVSHMEM_MMIO, MSIX_MMIO, type AccessRules, type MmioOps, type Width } from './access.ts';
import type { DeviceSpec } from './models.ts';
import type { BarLayout, PciLayout } from './pci-layout.ts';
import type { ServerClient } from './server-client.ts';
import { loadState, saveState } from './migration.ts';
import { readPeers } from './peer-table.ts';
import { noConfigSpace, virtioMmioHandlers, VIRTIO_MMIO_OPS } from '../sdm/mmio-window.ts';
import { SdmView } from '../sdm/view.ts';

export interface Region32 {
  read(offset: number, size: 1 | 2 | 4): number;
  read(offset: number, size: 8): bigint;
  read(offset: number, size: number): number | bigint;
  write(offset: number, size: number, value: number | bigint): void;
}

export interface Bar extends Region32 {
  readonly index: number;
  readonly size: number;
  /** BAR2 (BAR1 on the 2010 device): the shared memory itself, as the host sees it */
  readonly bytes: Uint8Array | undefined;
}

/** How the device reaches the host: memory, core, and what to release when unplugged. */
export interface DeviceHost {
  core: CoreExports;
  memory: WebAssembly.Memory;
  release(device: Device): void;
  /** runs before every BAR0 access: a VM takes its server's pending messages there */
  beforeRegisterAccess?(): void;
}

export interface InterruptView {
  /** messages delivered to the CPU on this vector (INTx deliveries count on vector 0) */
  delivered(vector: number): number;
  /** the MSI-X PBA bit */
  pending(vector: number): boolean;
  /** masked by the entry, the function mask, or MSI-X being disabled */
  masked(vector: number): boolean;
  /** INTx line level as the interrupt controller sees it (after Command.INTx Disable) */
  readonly intx: boolean;
  /** MSI-X messages lost because Bus Master Enable was clear */
  readonly lost: number;
  /** events dropped because MSI-X was not enabled (QEMU drops them too) */
  readonly dropped: number;
  /** take the next interrupt as the CPU would: the vector, or -1 */
  take(): number;
}

const MODEL_IDS: Record<DeviceSpec['model'], number> = {
  'ivshmem-plain': L.MODEL_PLAIN,
  'ivshmem-doorbell': L.MODEL_DOORBELL,
  ivshmem: L.MODEL_LEGACY,
  'ivshmem-2010': L.MODEL_2010,
  'virtio-sdm': L.MODEL_SDM,
};

export function modelId(model: DeviceSpec['model']): number {
  return MODEL_IDS[model];
}

export class Device {
  /** Resolves once the device has its shared memory (at once, except the 2010 device with a server). */
  readonly ready: Promise<void>;
  readonly config: Region32;
  readonly interrupts: InterruptView;
  private unplugged = false;
  private memory: { offset: number; size: number } | undefined;
  private readonly bars = new Map<number, Bar>();

  constructor(
    private readonly host: DeviceHost,
    readonly spec: DeviceSpec,
    readonly block: number,
    readonly layout: PciLayout,
    readonly client: ServerClient | undefined,
    ready: Promise<void>,
  ) {
    this.ready = ready;
    ready.catch(() => {});
    this.view = new DataView(host.memory.buffer);
    this.config = layout.transport === 'virtio-mmio' ? noConfigSpace(this.name) : this.region(
      { name: `${this.name} config space`, size: L.CONFIG_SIZE, widths: [1, 2, 4], widthReason: 'PCI configuration accesses are 1, 2 or 4 bytes' },
      (offset, width) => this.core.configRead(block, offset, width) >>> 0,
      (offset, width, value) => this.core.configWrite(block, offset, width, Number(value)),
    );
    this.interrupts = this.interruptView();
    for (const bar of layout.bars) this.bars.set(bar.index, this.makeBar(bar));
  }

  get model(): DeviceSpec['model'] { return this.spec.model; }
  get id(): string | undefined { return this.spec.id; }
  get name(): string { return this.spec.id ? `${this.spec.model} '${this.spec.id}'` : this.spec.model; }
  get vectors(): number { return this.spec.vectors; }
  private get core(): CoreExports { return this.host.core; }
  /** @internal the core instance this device is decoded by */
  get hostCore(): CoreExports { return this.host.core; }
  // The memory never grows (its maximum is its size), so one view serves for the device's life.
  private readonly view: DataView;

  /** virtio-sdm: its id, group, counters and boot state; undefined on other models. */
  get sdm(): SdmView | undefined {
    if (this.spec.model !== 'virtio-sdm') return undefined;
    this.sdmView ??= new SdmView(this.view, this.block);
    return this.sdmView;
  }
  private sdmView: SdmView | undefined;

  /** IVPosition as a signed number: the peer ID, 0 without a server, -1 while not ready. */
  get ivPosition(): number {
    this.checkPlugged();
    return this.view.getInt32(this.block + L.DEV_VM_ID, true);
  }

  /** The shared memory mapped by BAR2 (BAR1 on 2010), once there is one. */
  get sharedMemory(): { offset: number; size: number } | undefined {
    this.checkPlugged();
    return this.memory;
  }

  /** @internal the realizer and the server client map the memory through this */
  mapMemory(offset: number, size: number): void {
    this.memory = { offset, size };
  }

  bar(index: number): Bar {
    this.checkPlugged();
    const bar = this.bars.get(index);
    if (!bar) {
      if (!Number.isInteger(index)) throw new AccessError(`${this.name}: a BAR index is an integer 0 to 5, not ${show(index)}`);
      const present = [...this.bars.keys()].map((i) => `BAR${i}`).join(', ');
      throw new AccessError(`${this.name} has no BAR${index} (it has ${present})`);
    }
    return bar;
  }

  /** The BAR that maps the shared memory: BAR2, or BAR1 on the 2010 device. */
  get memoryBar(): Bar {
    return this.bar(this.spec.model === 'ivshmem-2010' ? 1 : 2);
  }

  /** Peers this device knows from its server, with how many vectors each can be rung on. */
  peers(): { id: number; vectors: number }[] {
    this.checkPlugged();
    return readPeers(this.view, this.block).sort((a, b) => a.id - b.id);
  }

  /** System reset of the device: registers and PCI state, not peers, ID or memory. */
  reset(): void {
    this.checkPlugged();
    this.core.deviceReset(this.block);
  }

  /** Migration: the device state (and the shared memory, from a master), as QEMU saves it. */
  save(): Uint8Array {
    this.checkPlugged();
    return saveState(this, this.host.memory);
  }

  /** Loads a state saved by save() into this device (the migration destination). */
  load(state: Uint8Array): void {
    this.checkPlugged();
    loadState(this, this.host.memory, state);
  }

  /** Hot-unplug: the server sees a disconnect, the memdev is free again. */
  unrealize(): void {
    if (this.unplugged) return;
    this.unplugged = true;
    this.host.release(this);
  }

  /** False once the device has been unplugged: every member but its identity then throws. */
  get plugged(): boolean {
    return !this.unplugged;
  }

  private checkPlugged(): void {
    if (this.unplugged) throw new AccessError(`${this.name} has been unplugged`);
  }

  private decoded(bar: BarLayout): void {
    this.checkPlugged();
    if (this.layout.transport === 'virtio-mmio') return;
    const command = this.core.configRead(this.block, L.PCI_COMMAND, 2);
    if ((command & L.PCI_COMMAND_MEMORY) === 0) {
      throw new AccessError(`${this.name} BAR${bar.index} is not decoded: Memory Space Enable (bit 1 of the Command register) is clear`);
    }
  }

  private region(
    rules: AccessRules,
    read: (offset: number, width: Width) => number | bigint,
    write: (offset: number, width: Width, value: number | bigint) => void,
    before: () => void = () => this.checkPlugged(),
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

  private makeBar(bar: BarLayout): Bar {
    const name = `${this.name} BAR${bar.index}`;
    const before = () => this.decoded(bar);
    let region: Region32;
    if (bar.kind === 'registers' && this.spec.model === 'ivshmem-2010') {
      region = this.region(
        { name, size: bar.size, widths: [2], widthReason: 'the registers are 16-bit' },
        (offset) => this.core.bar0Read(this.block, offset) >>> 0,
        (offset, _w, value) => this.core.bar0Write(this.block, offset, Number(value)),
        () => {
          this.host.beforeRegisterAccess?.();
          before();
        },
      );
    } else if (bar.kind === 'registers') {
      region = this.mmioRegion(name, bar, IVSHMEM_MMIO,
        (at) => this.core.bar0Read(this.block, at),
        (at, _size, value) => this.core.bar0Write(this.block, at, value),
        () => {
          this.host.beforeRegisterAccess?.();
          before();
        });
    } else if (bar.kind === 'virtio-mmio') {
      const { read, write } = virtioMmioHandlers(this.core, this.block);
      region = this.mmioRegion(name, bar, VIRTIO_MMIO_OPS, read, write, before);
    } else if (bar.kind === 'msix') {
      region = this.mmioRegion(name, bar, MSIX_MMIO, (at) => this.msixRead(at), (at, _size, value) => this.msixWrite(at, value), before);
    } else {
      region = this.memoryRegion(name, bar, before);
    }
    const device = this;
    return {
      ...region,
      index: bar.index,
      size: bar.size,
      get bytes() {
        device.checkPlugged();
        if (bar.kind !== 'memory' || !device.memory) return undefined;
        return new Uint8Array(device.host.memory.buffer, device.memory.offset, bar.size);
      },
    };
  }

  // BAR0 and BAR1 are MMIO in QEMU: any width up to 8 at any offset, cut into the accesses QEMU's
  // memory core would make (src/device/access.ts).
  private mmioRegion(
    name: string,
    bar: BarLayout,
    ops: MmioOps,
    read: (at: number, size: number) => number,
    write: (at: number, size: number, value: number) => void,
    before: () => void,
  ): Region32 {
    return this.region(
      { name, size: bar.size, widths: [1, 2, 4, 8], widthReason: 'an access is 1, 2, 4 or 8 bytes', aligned: false },
      (offset, width) => {
        const value = mmioRead(ops, offset, width, read);
        return width === 8 ? value : Number(value);
      },
      (offset, width, value) => mmioWrite(ops, offset, width, BigInt(value), write),
      before,
    );
  }

  private msixRead(offset: number): number {
    const tableSize = this.spec.vectors * L.MSIX_ENTRY_SIZE;
    if (offset < tableSize) return this.core.msixTableRead(this.block, offset) >>> 0;
    const pba = offset - this.layout.pbaOffset;
    if (pba >= 0 && pba < Math.ceil(this.spec.vectors / 64) * 8) return this.core.msixPbaRead(this.block, pba) >>> 0;
    return 0;
  }

  private msixWrite(offset: number, value: number): void {
    if (offset < this.spec.vectors * L.MSIX_ENTRY_SIZE) this.core.msixTableWrite(this.block, offset, value);
  }

  private memoryRegion(name: string, bar: BarLayout, before: () => void): Region32 {
    const mapped = () => {
      before();
      if (!this.memory) {
        throw new AccessError(`${name} is not backed yet: the server has not delivered the shared memory (IVPosition reads -1)`);
      }
      return this.memory.offset;
    };
    return this.region(
      { name, size: bar.size, widths: [1, 2, 4, 8], widthReason: 'memory takes 1, 2, 4 or 8-byte accesses', aligned: false },
      (offset, width) => {
        const at = mapped() + offset;
        const view = this.view;
        switch (width) {
          case 1: return view.getUint8(at);
          case 2: return view.getUint16(at, true);
          case 4: return view.getUint32(at, true);
          case 8: return view.getBigUint64(at, true);
        }
      },
      (offset, width, value) => {
        const at = mapped() + offset;
        const view = this.view;
        switch (width) {
          case 1: view.setUint8(at, Number(value)); break;
          case 2: view.setUint16(at, Number(value), true); break;
          case 4: view.setUint32(at, Number(value), true); break;
          case 8: view.setBigUint64(at, BigInt(value), true); break;
        }
      },
    );
  }

  private interruptView(): InterruptView {
    const block = this.block;
    // A stale handle must not read (or take) what the block's next device holds.
    const int32 = (offset: number) => {
      this.checkPlugged();
      return this.view.getInt32(block + offset, true);
    };
    const vectorCheck = (vector: number) => {
      this.checkPlugged();
      if (!Number.isInteger(vector) || vector < 0 || vector >= Math.max(1, this.spec.vectors)) {
        throw new AccessError(`${this.name}: no vector ${show(vector)} (it has ${this.spec.vectors})`);
      }
    };
    return {
      delivered: (vector) => {
        vectorCheck(vector);
        return this.view.getUint32(block + L.DEV_DELIVERED + vector * 4, true);
      },
      pending: (vector) => {
        vectorCheck(vector);
        return this.layout.msix && this.core.msixIsPending(block, vector) !== 0;
      },
      masked: (vector) => {
        vectorCheck(vector);
        return !this.layout.msix || this.core.msixVectorMasked(block, vector) !== 0;
      },
      get intx() {
        return int32(L.DEV_INTX_LEVEL) !== 0 && (int32(L.DEV_CONFIG + L.PCI_COMMAND) & L.PCI_COMMAND_INTX_DISABLE) === 0;
      },
      get lost() { return int32(L.DEV_IRQ_LOST); },
      get dropped() { return int32(L.DEV_IRQ_DROPPED); },
      take: () => {
        this.checkPlugged();
        return this.core.takeInterrupt(block, this.spec.vectors);
      },
    };
  }
}
