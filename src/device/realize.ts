// Realization: from an option string to a live device, in two halves.
//  - resolve (on the host): every reference (memdev, chardev, shm object, bus) is found and every
//    size checked before anything is allocated or connected; a realize that fails here changed
//    nothing. Only what QEMU learns from its server (the ID, for master=on) is checked later,
//    and then asked of the server first.
//  - build (wherever the device lives: the host, or a VM's worker): the server handshake, then
//    config space, reset, and the Device.
import * as L from '../../assembly/layout.ts';
import { QemuError, show } from '../errors.ts';
import { isPowerOfTwo } from '../options/size.ts';
import type { MemoryBackend, SharedFile } from '../memory/backend.ts';
import type { Region } from '../memory/region-allocator.ts';
import type { ServerConnection, ServerEndpoint } from '../server/server.ts';
import type { MessageSink } from '../server/protocol.ts';
import { Device, modelId, type DeviceHost } from './device.ts';
import { checkVectors, parseDeviceSpec, type DeviceSpec } from './models.ts';
import { pciLayout, writeConfigSpace, type PciLayout } from './pci-layout.ts';
import { ServerClient } from './server-client.ts';
import { readPeers } from './peer-table.ts';
import type { Placement, Topology } from '../pci/topology.ts';
import { buildSdmDevice, realizeSdm, resolveSdm, type SdmLink } from '../sdm/realize.ts';

export interface RealizeHost extends DeviceHost {
  objects: Map<string, MemoryBackend>;
  findServer(name: string): ServerEndpoint | undefined;
  files: Map<string, SharedFile>;
  deviceIds: Set<string>;
  topology: Topology;
  allocate(size: number, what: string): Region;
  /** a device block, with a peer table for a device that has a server (`peerVectors` eventfds per peer) */
  allocateDeviceBlock(peerVectors?: number): number;
  /** how many peers a device can track */
  readonly maxPeers: number;
  freeDeviceBlock(block: number): void;
  eventfdIsLive(slot: number): boolean;
  attach(device: Device, parts: { backend?: MemoryBackend; connection?: ServerConnection; placement?: Placement; cleanup?: () => void }): void;
  devices: Device[];
}

/** A device whose options and references all check out, not yet allocated. */
export interface ResolvedDevice {
  spec: DeviceSpec;
  /** where on the PCI topology (none for virtio-sdm, a virtio-mmio device) */
  placement?: Placement;
  /** virtio-sdm: what its chardev names */
  sdm?: SdmLink;
  backend?: MemoryBackend;
  server?: ServerEndpoint;
}

/**
 * QEMU 2.6-3.1's legacy `shm=` is a memory-backend-file on /dev/shm/NAME of `size` bytes, created
 * with &error_abort: an existing smaller object aborts QEMU with file_ram_alloc's error. The
 * project refuses with those words and nothing changes.
 */
function shmObjectSizeCheck(spec: DeviceSpec, fileSize: number): void {
  if (fileSize < spec.size!) {
    throw new QemuError(`backing store /dev/shm/${spec.shm} size 0x${fileSize.toString(16)} does not match 'size' option 0x${spec.size!.toString(16)}`);
  }
}

/** QEMU 2.6-3.1's legacy device maps `size` bytes of the server's memory, which must have them. */
function serverMemorySizeCheck(spec: DeviceSpec, size: number): void {
  if (size < spec.size!) throw new QemuError(`server sent only ${size} bytes of shared memory`);
}

/** Where a device's shared memory is, when it does not come from a server. */
export interface MemoryPlace {
  offset: number;
  size: number;
}

function findServer(host: RealizeHost, spec: DeviceSpec): ServerEndpoint {
  const name = spec.chardev!;
  const server = host.findServer(name);
  if (server) return server;
  if (spec.model === 'ivshmem-2010') throw new QemuError(`Failed to connect to '${name}': No such file or directory`);
  throw new QemuError(`Property '${spec.model}.chardev' can't find value '${name}'`);
}

/** The 2010 device's check, QEMU 1.x's check_shm_size. */
function legacySizeCheck(requested: number, available: number): void {
  if (requested > available) {
    throw new QemuError(`Requested memory size greater than shared object size (${requested} > ${available})`);
  }
}

/** Where a device is plugged: the host's own machine, or a VM's (its own QEMU process). */
export interface MachineContext {
  topology: Topology;
  deviceIds: Set<string>;
}

export function resolveDevice(host: RealizeHost, text: string, machine: MachineContext = host): ResolvedDevice {
  let backend: MemoryBackend | undefined;
  let server: ServerEndpoint | undefined;
  const spec = parseDeviceSpec(text, {
    id(id) {
      if (machine.deviceIds.has(id)) throw new QemuError(`Duplicate ID '${id}' for device`);
    },
    bus(name) {
      if (!machine.topology.hasBus(name)) throw new QemuError(`Bus '${name}' not found`);
    },
    memdev(id) {
      backend = host.objects.get(id);
      if (!backend) throw new QemuError(`Device '${id}' not found`);
    },
    memdevFree(id) {
      if (host.objects.get(id)?.mappedBy) throw new QemuError(`can't use already busy memdev: ${id}`);
    },
    chardev(model, id) {
      server = host.findServer(id);
      if (!server && model !== 'ivshmem-2010') throw new QemuError(`Property '${model}.chardev' can't find value '${id}'`);
    },
  });
  if (spec.model === 'virtio-sdm') return resolveSdm(host, spec);
  const placement = machine.topology.place(spec.model, spec.bus, spec.addr);
  if (backend) {
    // QEMU 7.2 aborts here (pci_register_bar asserts); the project refuses with the assertion's words
    if (!isPowerOfTwo(backend.size)) throw new QemuError("pci_register_bar: Assertion `is_power_of_2(size)' failed.");
    return { spec, placement, backend };
  }
  if (spec.chardev !== undefined) {
    server ??= findServer(host, spec);
    // Every device's table holds every peer, itself included: past the limit a device would be
    // deaf to the others (or they to it), so it is refused here rather than realized.
    const peers = server.peerIds?.length ?? 0;
    if (server.isRunning && peers >= host.maxPeers) {
      throw new QemuError(`${spec.model}: server '${server.id}' has ${peers} peers, as many as a device here can track (Host.create({ maxPeers }), now ${host.maxPeers})`);
    }
    if (spec.master === 'on' && server.isRunning && server.nextId() !== 0) {
      throw new QemuError('master must connect to the server before any peers');
    }
    // QEMU checks the memory's size once the server sent it; asked first, a refusal changes nothing
    if (spec.model === 'ivshmem' && server.isRunning && server.memorySize !== undefined) serverMemorySizeCheck(spec, server.memorySize);
    checkVectors(spec);
    return { spec, placement, server };
  }
  const file = host.files.get(`/dev/shm/${spec.shm}`);
  if (file && spec.model === 'ivshmem') shmObjectSizeCheck(spec, file.size);
  else if (file) legacySizeCheck(spec.size!, file.size);
  return { spec, placement };
}

/** The memory of a device without a server: its memdev, or the shm object (created if new). */
export function memoryWithoutServer(host: RealizeHost, resolved: ResolvedDevice): MemoryPlace {
  const { spec, backend } = resolved;
  if (backend) return { offset: backend.region.offset, size: backend.size };
  const path = `/dev/shm/${spec.shm}`;
  let file = host.files.get(path);
  if (!file) {
    file = { path, region: host.allocate(spec.size!, spec.shm!), size: spec.size! };
    host.files.set(path, file);
  }
  return { offset: file.region.offset, size: spec.size! };
}

/** A fresh device block with the device's identity. */
export function allocateBlock(host: RealizeHost, spec: DeviceSpec): number {
  const block = host.allocateDeviceBlock(spec.chardev !== undefined ? spec.vectors : undefined);
  const view = new DataView(host.memory.buffer);
  view.setInt32(block + L.DEV_MODEL, modelId(spec.model), true);
  view.setInt32(block + L.DEV_VECTORS, spec.vectors, true);
  view.setInt32(block + L.DEV_VM_ID, spec.chardev !== undefined ? -1 : 0, true);
  return block;
}

function writeBlock(view: DataView, block: number, layout: PciLayout, spec: DeviceSpec): void {
  const features = (layout.msix ? L.FEATURE_MSIX : 0) | (layout.intx ? L.FEATURE_INTX : 0)
    | (spec.xPoll ? L.FEATURE_X_POLL : 0) | (spec.xPeers ? L.FEATURE_X_PEERS : 0) | (spec.xName !== undefined ? L.FEATURE_X_NAME : 0);
  view.setInt32(block + L.DEV_FEATURES, features, true);
  for (let i = 0; i < L.NAME_SIZE; i++) view.setUint8(block + L.DEV_NAME + i, spec.xName?.charCodeAt(i) || 0);
  writeConfigSpace(view, block, layout, spec.vectors);
}

export function peersOf(view: DataView, block: number): number[] {
  return readPeers(view, block).map((p) => p.id);
}

/** QEMU >= 2.6 takes the server's setup messages in realize (the legacy device too); 2010 as they came. */
export function setsUpSynchronously(spec: DeviceSpec): boolean {
  return spec.model === 'ivshmem-doorbell' || spec.model === 'ivshmem';
}

/**
 * Builds the device over its block where it lives. Without a server, `memory` says where its
 * memory is. With one, `client` is fed the server's messages: a modern device must have finished
 * the handshake (client.setup() or await client.setupAsync()) before this is called; a 2010 one
 * is built at once, IVPosition -1, and maps its memory when it arrives (`ready`). The legacy
 * device maps `size=` bytes of whatever memory it is given; the others all of it.
 */
export function buildDevice(
  dh: DeviceHost, spec: DeviceSpec, block: number,
  source: { memory: MemoryPlace } | { client: ServerClient; ready: Promise<void> },
): Device {
  if (spec.model === 'virtio-sdm') return buildSdmDevice(dh, spec, block);
  const view = new DataView(dh.memory.buffer);
  const client = 'client' in source ? source.client : undefined;
  const memory = 'memory' in source ? source.memory : client!.sharedMemory;
  const size = spec.model === 'ivshmem' || !memory ? spec.size! : memory.size;
  const layout = pciLayout(spec, size);
  writeBlock(view, block, layout, spec);
  const device = new Device(dh, spec, block, layout, client, 'ready' in source ? source.ready : Promise.resolve());
  if (memory) device.mapMemory(memory.offset, size);
  if (client) client.onMemory = (place) => device.mapMemory(place.offset, spec.size!);
  dh.core.deviceReset(block);
  client?.bindOwnEventfds();
  return device;
}

/** The device's side of the protocol, wired to its block. */
export function makeClient(dh: DeviceHost & { eventfdIsLive(slot: number): boolean }, spec: DeviceSpec, block: number): ServerClient {
  const view = new DataView(dh.memory.buffer);
  const synchronous = setsUpSynchronously(spec);
  return new ServerClient({
    ...peerTableOf(dh, block),
    vectors: spec.vectors,
    memoryBytes: dh.memory.buffer.byteLength,
    publishIdAtOnce: synchronous,
    idRegister: {
      get: () => view.getInt32(block + L.DEV_VM_ID, true),
      set: (id) => view.setInt32(block + L.DEV_VM_ID, id, true),
    },
    checkMemory: (size) => {
      if (spec.model === 'ivshmem') serverMemorySizeCheck(spec, size);
      else if (!synchronous) legacySizeCheck(spec.size!, size);
    },
    eventfdIsLive: (slot) => dh.eventfdIsLive(slot),
  });
}

/** How to walk a device block's peer table. */
export function peerTableOf(dh: DeviceHost, block: number) {
  const view = new DataView(dh.memory.buffer);
  return {
    core: dh.core,
    block,
    peerIds: () => peersOf(view, block),
    ownSlot: (id: number, vector: number) => view.getInt32(dh.core.findPeer(block, id) + L.PEER_SLOTS + vector * 4, true),
  };
}

/** Connects a client to its server; if connecting fails the block goes back. */
export function connect(host: RealizeHost, server: ServerEndpoint, sink: MessageSink, block: number): ServerConnection {
  try {
    return server.connect(sink);
  } catch (error) {
    host.freeDeviceBlock(block);
    // A server of one's own (Host.addChardev) may fail any way it likes; the caller gets ours.
    if (error instanceof QemuError) throw error;
    throw new QemuError(`Failed to connect to '${server.id}': ${error instanceof Error ? error.message : show(error)}`, { cause: error });
  }
}

/** After a modern handshake: master=on needs ID 0 (QEMU checks it only now). */
export function checkMaster(spec: DeviceSpec, client: ServerClient): void {
  if (spec.master === 'on' && client.id !== 0) throw new QemuError('master must connect to the server before any peers');
}

/** host.realize: the whole of it, on the host. */
export function realizeDevice(host: RealizeHost, text: string): Device {
  const resolved = resolveDevice(host, text);
  if (resolved.spec.model === 'virtio-sdm') return realizeSdm(host, resolved);
  const { spec, server, backend, placement } = resolved;
  if (!server) {
    const memory = memoryWithoutServer(host, resolved);
    const device = buildDevice(host, spec, allocateBlock(host, spec), { memory });
    host.attach(device, { backend, placement });
    return device;
  }
  const block = allocateBlock(host, spec);
  const client = makeClient(host, spec, block);
  const connection = connect(host, server, client, block);
  let ready: Promise<void> = Promise.resolve();
  if (setsUpSynchronously(spec)) {
    try {
      client.setup();
      checkMaster(spec, client);
    } catch (error) {
      client.close();
      connection.close();
      host.freeDeviceBlock(block);
      throw error;
    }
  } else {
    ready = client.setupAsync();
  }
  const device = buildDevice(host, spec, block, { client, ready });
  host.attach(device, { connection, placement });
  return device;
}
