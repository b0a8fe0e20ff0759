// Realization: from a checked DeviceSpec to a live device. Every reference (memdev, chardev, shm
// object, bus) is resolved and every size checked before anything is allocated; only what QEMU
// can learn from its server alone (the ID, for master=on) is checked after connecting, and a
// failure then disconnects again.
import * as L from '../../assembly/layout.ts';
import { QemuError } from '../errors.ts';
import { hex, isPowerOfTwo } from '../options/size.ts';
import type { MemoryBackend, SharedFile } from '../memory/backend.ts';
import type { Region } from '../memory/region-allocator.ts';
import type { ServerConnection, ServerEndpoint } from '../server/server.ts';
import { Device, modelId, type DeviceHost } from './device.ts';
import { parseDeviceSpec, type DeviceSpec } from './models.ts';
import { pciLayout, writeConfigSpace } from './pci-layout.ts';
import { ServerClient } from './server-client.ts';
import type { Placement, Topology } from '../pci/topology.ts';

export interface RealizeHost extends DeviceHost {
  objects: Map<string, MemoryBackend>;
  servers: Map<string, ServerEndpoint>;
  files: Map<string, SharedFile>;
  deviceIds: Set<string>;
  topology: Topology;
  allocate(size: number, what: string): Region;
  allocateDeviceBlock(): number;
  freeDeviceBlock(block: number): void;
  eventfdIsLive(slot: number): boolean;
  attach(device: Device, parts: { backend?: MemoryBackend; connection?: ServerConnection; placement: Placement }): void;
}

function findServer(host: RealizeHost, spec: DeviceSpec): ServerEndpoint {
  const name = spec.chardev!;
  const server = host.servers.get(name) ?? [...host.servers.values()].find((s) => s.socket === name);
  if (server) return server;
  if (spec.model === 'ivshmem-2010') throw new QemuError(`Failed to connect to '${name}': No such file or directory`);
  throw new QemuError(`Property '${spec.model}.chardev' can't find value '${name}'`);
}

function checkBar(size: number, type: number): void {
  if (!isPowerOfTwo(size)) throw new QemuError(`ERROR: PCI region size must be pow2 type=${hex(type)}, size=${hex(size)}`);
}

function legacySizeCheck(requested: number, available: number): void {
  if (requested > available) {
    throw new QemuError(`Requested memory size greater than shared object size (${requested} > ${available})`);
  }
}

export function realizeDevice(host: RealizeHost, text: string): Device {
  const spec = parseDeviceSpec(text);
  if (spec.id !== undefined && host.deviceIds.has(spec.id)) throw new QemuError(`Duplicate ID '${spec.id}' for device`);
  const placement = host.topology.place(spec.model, spec.bus, spec.addr);

  let backend: MemoryBackend | undefined;
  let server: ServerEndpoint | undefined;
  let shmFile: SharedFile | undefined;
  if (spec.memdev !== undefined) {
    backend = host.objects.get(spec.memdev);
    if (!backend) throw new QemuError(`Device '${spec.memdev}' not found`);
    if (backend.mappedBy) throw new QemuError(`can't use already busy memdev: ${backend.id}`);
    checkBar(backend.size, L.PCI_BASE_ADDRESS_MEM_PREFETCH | L.PCI_BASE_ADDRESS_MEM_TYPE_64);
  } else if (spec.chardev !== undefined) {
    server = findServer(host, spec);
  } else {
    shmFile = host.files.get(`/dev/shm/${spec.shm}`);
    if (shmFile) legacySizeCheck(spec.size!, shmFile.size);
  }
  if (spec.master === 'on' && server && server.isRunning && server.nextId() !== 0) {
    throw new QemuError('master must connect to the server before any peers');
  }

  const block = host.allocateDeviceBlock();
  const view = new DataView(host.memory.buffer);
  view.setInt32(block + L.DEV_MODEL, modelId(spec.model), true);
  view.setInt32(block + L.DEV_VECTORS, spec.vectors, true);

  if (!server) {
    if (!backend && !shmFile) {
      const path = `/dev/shm/${spec.shm}`;
      shmFile = { path, region: host.allocate(spec.size!, spec.shm!), size: spec.size! };
      host.files.set(path, shmFile);
    }
    const memory = backend ? { offset: backend.region.offset, size: backend.size } : { offset: shmFile!.region.offset, size: spec.size! };
    const layout = pciLayout(spec, memory.size);
    finishBlock(view, block, layout, spec);
    const device = new Device(host, spec, block, layout, undefined, Promise.resolve());
    device.mapMemory(memory.offset, memory.size);
    host.core.deviceReset(block);
    host.attach(device, { backend, placement });
    return device;
  }

  // With a server: QEMU >= 2.6 receives the setup synchronously in realize; the legacy and 2010
  // devices did it as messages came, reading IVPosition -1 until the memory arrived.
  const synchronous = spec.model === 'ivshmem-doorbell';
  let device: Device | undefined;
  const ownId = () => (synchronous ? view.getInt32(block + L.DEV_VM_ID, true) : pendingId);
  const client = new ServerClient({
    core: host.core,
    block,
    vectors: spec.vectors,
    memoryBytes: host.memory.buffer.byteLength,
    setId: (id) => { if (synchronous) view.setInt32(block + L.DEV_VM_ID, id, true); else pendingId = id; },
    id: ownId,
    hasSharedMemory: () => mappedSize !== undefined,
    eventfdIsLive: (slot) => host.eventfdIsLive(slot),
    ownSlot: (vector) => view.getInt32(host.core.findPeer(block, ownId()) + L.PEER_SLOTS + vector * 4, true),
    peerIds: () => peersOf(view, block),
    mapSharedMemory: (handle) => {
      if (!synchronous) legacySizeCheck(spec.size!, handle.size);
      mappedSize = synchronous ? handle.size : spec.size!;
      mappedOffset = handle.offset;
      if (device) {
        device.mapMemory(mappedOffset, mappedSize);
        view.setInt32(block + L.DEV_VM_ID, pendingId, true);
      }
    },
  });
  let pendingId = -1;
  let mappedSize: number | undefined;
  let mappedOffset = 0;
  let connection: ServerConnection;
  try {
    connection = server.connect(client);
  } catch (error) {
    host.freeDeviceBlock(block);
    throw error;
  }

  if (synchronous) {
    try {
      client.setup();
      const id = view.getInt32(block + L.DEV_VM_ID, true);
      if (spec.master === 'on' && id !== 0) throw new QemuError('master must connect to the server before any peers');
    } catch (error) {
      client.close();
      connection.close();
      host.freeDeviceBlock(block);
      throw error;
    }
  }
  view.setInt32(block + L.DEV_VM_ID, synchronous ? view.getInt32(block + L.DEV_VM_ID, true) : -1, true);
  const layout = pciLayout(spec, synchronous ? mappedSize! : spec.size!);
  finishBlock(view, block, layout, spec);
  const ready = synchronous ? Promise.resolve() : client.setupAsync();
  device = new Device(host, spec, block, layout, client, ready);
  if (synchronous) device.mapMemory(mappedOffset, mappedSize!);
  host.core.deviceReset(block);
  host.attach(device, { connection, placement });
  return device;
}

function finishBlock(view: DataView, block: number, layout: ReturnType<typeof pciLayout>, spec: DeviceSpec): void {
  const features = (layout.msix ? L.FEATURE_MSIX : 0) | (layout.intx ? L.FEATURE_INTX : 0)
    | (spec.ioeventfd ? L.FEATURE_IOEVENTFD : 0) | (spec.master === 'on' ? L.FEATURE_MASTER : 0);
  view.setInt32(block + L.DEV_FEATURES, features, true);
  const bar1 = layout.bars.find((b) => b.index === 1);
  view.setInt32(block + L.DEV_BAR1_SIZE, bar1?.size ?? 0, true);
  view.setInt32(block + L.DEV_PBA_OFFSET, layout.pbaOffset, true);
  writeConfigSpace(view, block, layout, spec.vectors);
}

export function peersOf(view: DataView, block: number): number[] {
  const count = view.getInt32(block + L.DEV_PEER_COUNT, true);
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(view.getInt32(block + L.DEV_PEERS + i * L.PEER_STRIDE + L.PEER_ID, true));
  return ids;
}
