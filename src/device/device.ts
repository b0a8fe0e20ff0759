// A realized device: PCI config space (or a virtio-mmio window), its BARs and its interrupt state,
// all living in a device block of the shared memory and decoded by the core. This is what a guest
// driver (or a test) touches: config.read/write, bar(n).read/write, and the shared memory's bytes.
// It is generic: what differs between models comes from the model's declaration (src/models/):
// its layout, its migration, and what it adds to the API (device.sdm).
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import { AccessError, show } from '../errors.ts';
import { interruptView, type InterruptView } from './interrupts.ts';
import type { DeviceLayout, MemoryPlace } from './layout.ts';
import { readPeers } from './peer-table.ts';
import { RegionOwner, type Bar, type Region32 } from './region.ts';
import { configSpace, makeBar } from './regions.ts';
import { readSnapshot, type DeviceSnapshot } from './snapshot.ts';
import type { DeviceClient } from './server-client.ts';

/** Migration, as a model declares it (QEMU's vmstate): what save() writes and load() takes. */
export interface Migration {
  /** the device's state, as its model saves it */
  save(device: Device): Uint8Array;
  /** loads a state that save() made into a fresh device of the same configuration */
  load(device: Device, state: Uint8Array): void;
}

/** What the generic device needs of its model (src/device/model.ts has the whole declaration). */
export interface DeviceKind {
  readonly name: string;
  readonly migration: Migration;
  /** members the model adds to the device (device.sdm), read from its block */
  host?(device: Device, view: DataView): Record<string, unknown>;
}

/** Where the device lives: the memory and core of its thread, and what unplugging it does there. */
export interface DeviceHost {
  core: CoreExports;
  memory: WebAssembly.Memory;
  /** runs before every register access: a VM takes its server's pending messages there */
  beforeRegisterAccess?(): void;
}

/** @internal What the library's own modules reach of a device; not for programs. */
export interface DeviceInternals {
  readonly core: CoreExports;
  readonly memory: WebAssembly.Memory;
  readonly block: number;
  readonly client: DeviceClient | undefined;
}

export class Device {
  /** Resolves once the device has its shared memory (at once, except the 2010 device with a server). */
  readonly ready: Promise<void>;
  /** PCI config space: read(offset, size), write(offset, size, value). Command at 0x04, the MSI-X capability at 0x40. */
  readonly config: Region32;
  /** Its interrupts as the host sees them: delivered(v), pending(v), masked(v), lost, dropped, take(). */
  readonly interrupts: InterruptView;
  /** What it looks like to a guest: its transport, BARs, interrupts (as its model declared them). */
  readonly layout: DeviceLayout;
  /**
   * The device's identity for the whole life of its host, never given to another device (unlike
   * its device block, which the next device reuses): a key for a list, a map, a page's element.
   */
  readonly key: number;
  /** @internal */
  readonly internals: DeviceInternals;
  /** @internal what unplugging does where the device lives (set by whoever realized it) */
  onUnplug: () => void = () => {};
  private readonly bars = new Map<number, Bar>();
  private readonly view: DataView;
  private readonly owner: RegionOwner;

  /** @internal devices are made by host.realize and host.spawn */
  constructor(
    host: DeviceHost,
    /** @internal */
    readonly kind: DeviceKind,
    /** @internal the parsed -device options, as the model reads them */
    readonly spec: { model: string; id?: string },
    block: number,
    layout: DeviceLayout,
    client: DeviceClient | undefined,
    ready: Promise<void>,
  ) {
    this.ready = ready;
    ready.catch(() => {});
    this.layout = layout;
    this.internals = { core: host.core, memory: host.memory, block, client };
    // The memory never grows (its maximum is its size), so one view serves for the device's life.
    this.view = new DataView(host.memory.buffer);
    this.key = this.view.getUint32(block + L.DEV_KEY, true);
    const owner = new RegionOwner(this.name, block, host.core, host.memory, layout, host.beforeRegisterAccess);
    this.owner = owner;
    this.config = configSpace(owner);
    this.interrupts = interruptView(owner);
    for (const bar of layout.bars) this.bars.set(bar.index, makeBar(owner, bar));
    const members = kind.host?.(this, this.view);
    if (members) for (const [key, value] of Object.entries(members)) Object.defineProperty(this, key, { value, enumerable: true });
  }

  /** Its model's name, as -device names it (ivshmem-doorbell, ivshmem-plain, virtio-sdm...). */
  get model(): string { return this.kind.name; }
  /** The id= it was created with, if any. */
  get id(): string | undefined { return this.spec.id; }
  /** Its model and id, as messages name it. */
  get name(): string { return this.spec.id ? `${this.model} '${this.spec.id}'` : this.model; }
  /** Its interrupt vectors (MSI-X vectors; 1 without MSI-X). */
  get vectors(): number { return this.layout.vectors; }


  /** IVPosition as a signed number: the peer ID, 0 without a server, -1 while not ready. */
  get ivPosition(): number {
    this.checkPlugged();
    return this.view.getInt32(this.internals.block + L.DEV_VM_ID, true);
  }

  /** The shared memory mapped by its memory BAR, once there is one. */
  get sharedMemory(): MemoryPlace | undefined {
    this.checkPlugged();
    return this.owner.place;
  }

  /** @internal the realizer and the server client map the memory through this */
  mapMemory(place: MemoryPlace): void {
    this.owner.place = { offset: place.offset, size: place.size };
  }

  /** BAR `index` (a sysbus device's MMIO region `index`): read(offset, size), write(offset, size, value); the memory BAR also has .bytes. On ivshmem: BAR0 registers (IntrMask 0, IntrStatus 4, IVPosition 8, Doorbell 12), BAR1 the MSI-X table and PBA, BAR2 the shared memory. */
  bar(index: number): Bar {
    this.checkPlugged();
    const bar = this.bars.get(index);
    if (!bar) {
      if (!Number.isInteger(index)) throw new AccessError(`${this.name}: a BAR index is an integer 0 to 5, not ${show(index)}`);
      // a sysbus device's regions go by their names in QEMU
      const present = this.layout.bars.map((b) => (b.name ? `bar(${b.index}) ${b.name}` : `BAR${b.index}`)).join(', ');
      throw new AccessError(`${this.name} has no ${this.layout.transport === 'sysbus' ? `bar(${index})` : `BAR${index}`} (it has ${present})`);
    }
    return bar;
  }

  /** The BAR that maps the shared memory: BAR2, or BAR1 on the 2010 device (ivshmem-flat: its region 1). */
  get memoryBar(): Bar {
    this.checkPlugged();
    if (this.layout.memoryBar === undefined) throw new AccessError(`${this.name} has no BAR that maps shared memory`);
    return this.bar(this.layout.memoryBar);
  }

  /** Peers this device knows from its server, with how many vectors each can be rung on. */
  peers(): { id: number; vectors: number }[] {
    this.checkPlugged();
    return readPeers(this.view, this.internals.block).sort((a, b) => a.id - b.id);
  }

  /**
   * Its registers and interrupt state now, read with no side effect (unlike BAR0, where reading
   * IntrStatus clears it): what a page draws every frame. `vectors` limits how many are read.
   */
  snapshot(options: { vectors?: number } = {}): DeviceSnapshot {
    this.checkPlugged();
    const vectors = options.vectors ?? this.vectors;
    if (!Number.isInteger(vectors) || vectors < 0) throw new AccessError(`snapshot: vectors must be a whole number, not ${show(vectors)}`);
    return readSnapshot(this.owner, this.model, vectors);
  }

  /** System reset of the device: registers and PCI state, not peers, ID or memory. */
  reset(): void {
    this.checkPlugged();
    this.internals.core.deviceReset(this.internals.block);
  }

  /** Migration: the device's state, as its model saves it (QEMU's vmstate). */
  save(): Uint8Array {
    this.checkPlugged();
    return this.kind.migration.save(this);
  }

  /** Loads a state saved by save() into this device (the migration destination). */
  load(state: Uint8Array): void {
    this.checkPlugged();
    this.kind.migration.load(this, state);
  }

  /** Hot-unplug: the server sees a disconnect, the memdev is free again. */
  unrealize(): void {
    if (!this.owner.plugged) return;
    this.owner.plugged = false;
    this.onUnplug();
  }

  /** False once the device has been unplugged: every member but its identity then throws. */
  get plugged(): boolean {
    return this.owner.plugged;
  }

  private checkPlugged(): void {
    this.owner.checkPlugged();
  }
}

export type { Bar, Region32, InterruptView };
