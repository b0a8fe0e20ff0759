// The host's machine: what a real host holds around its VMs, behind the public Host. The shared
// WebAssembly.Memory and the core over it, the region allocator, device blocks and eventfd slots,
// memory backends and /dev/shm files, chardevs (ivshmem-servers, SDM sockets), the PCI topology
// of the host's own devices, and every realized device with what it holds. The library's
// modules use it; programs never see it (Host keeps the user's verbs).
import * as L from '../../assembly/layout.ts';
import type { CoreExports } from '../core/core.ts';
import { EventfdSlots } from '../core/eventfds.ts';
import { QemuError } from '../errors.ts';
import type { SdmSocketOptions } from '../chardev/sdm-socket.ts';
import { DeviceBlocks } from '../device/blocks.ts';
import type { Device } from '../device/device.ts';
import type { Lease } from '../device/transaction.ts';
import type { MemoryBackend, SharedFile } from '../memory/backend.ts';
import { RegionAllocator, type Region } from '../memory/region-allocator.ts';
import { checkId } from '../options/option-string.ts';
import { formatSize } from '../options/size.ts';
import { BusDevice, Topology, type Machine as MachineType } from '../pci/topology.ts';
import type { ServerEndpoint } from '../server/server.ts';
import { Tracer } from '../trace/tracer.ts';

/** Where a device plugs in: the host's own machine, or a VM's (its own QEMU process). */
export interface MachineContext {
  topology: Topology;
  deviceIds: Set<string>;
}

export class HostMachine implements MachineContext {
  readonly objects = new Map<string, MemoryBackend>();
  readonly servers = new Map<string, ServerEndpoint>();
  /** SDM socket chardevs (addSdmSocket), for virtio-sdm's chardev= */
  readonly sdmSockets = new Map<string, SdmSocketOptions>();
  readonly files = new Map<string, SharedFile>();
  /** ids of the host's own devices and bridges */
  readonly deviceIds = new Set<string>();
  readonly topology: Topology;
  readonly bridges = new Map<string, BusDevice>();
  /** every realized device, VMs' included, with what it holds until it is unplugged */
  readonly devices = new Map<Device, Lease>();
  readonly blocks: DeviceBlocks;
  readonly eventfds: EventfdSlots;
  readonly trace: Tracer;
  private readonly allocator: RegionAllocator;
  private lastKey = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly core: CoreExports,
    /** the compiled core, for VM workers to instantiate */
    readonly module: WebAssembly.Module,
    machine: MachineType,
    /** how many peers each device can track (HostOptions.maxPeers) */
    readonly maxPeers: number,
  ) {
    this.topology = new Topology(machine);
    this.topology.onBridgeRemoved = (bridge) => {
      this.bridges.delete(bridge.id);
      this.deviceIds.delete(bridge.id);
    };
    this.allocator = new RegionAllocator(L.CONTROL_END, memory.buffer.byteLength);
    this.eventfds = new EventfdSlots(memory, core);
    this.trace = new Tracer({ memory, core, allocate: (size, what) => this.allocate(size, what), release: (region) => this.release(region) });
    this.blocks = new DeviceBlocks(memory, (size, what) => this.allocate(size, what), (region) => this.release(region));
  }

  /** The whole shared memory as bytes. */
  get bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  get freeBytes(): number {
    return this.allocator.freeBytes;
  }

  /** A zeroed region of the shared memory, or QEMU's error when there is no room. */
  allocate(size: number, what: string): Region {
    const region = this.allocator.allocate(size);
    if (!region) {
      throw new QemuError(`cannot set up guest memory '${what}': Cannot allocate memory (${formatSize(size)} asked, ${formatSize(this.allocator.largestFree)} free)`);
    }
    this.bytes.fill(0, region.offset, region.offset + region.size);
    return region;
  }

  release(region: Region): void {
    this.allocator.release(region);
  }

  copy(from: Region, to: Region, size: number): void {
    this.bytes.copyWithin(to.offset, from.offset, from.offset + size);
  }

  hasId(id: string): boolean {
    return this.objects.has(id);
  }

  allocateEventfd(): number {
    return this.eventfds.allocate();
  }

  releaseEventfd(slot: number): void {
    this.eventfds.release(slot);
  }

  /** A new device's key: never given to another device of this process (Device.key). */
  nextKey(): number {
    return ++this.lastKey;
  }

  /** The server behind a chardev id, or listening on a socket path. */
  findServer(name: string): ServerEndpoint | undefined {
    return this.servers.get(name) ?? [...this.servers.values()].find((s) => s.socket === name);
  }

  findDevice(id: string): Device | undefined {
    return [...this.devices.keys()].find((d) => d.id === id);
  }

  /** A new chardev's id and socket path are free (QEMU's messages when they are not). */
  checkChardev(id: unknown, socket: string | undefined): void {
    checkId(id);
    if (this.sdmSockets.has(id as string) || this.servers.has(id as string)) {
      throw new QemuError(`attempt to add duplicate property '${id}' to object (type 'container')`);
    }
    // A chardev without a socket path (a server of one's own) binds nothing.
    if (socket !== undefined && [...this.servers.values()].some((s) => s.isRunning && s.socket === socket)) {
      throw new QemuError(`cannot bind to ${socket}: Address already in use`);
    }
  }

  /** The device is gone: it gives back what it held (its lease), once. */
  unplug(device: Device): void {
    const lease = this.devices.get(device);
    if (!lease) return;
    this.devices.delete(device);
    lease.release();
  }
}
