// Building a device over its block, wherever it lives: on the host for host.realize, in its VM's
// worker for host.spawn. The same steps either way: the server's side of the protocol wired to the
// block, the block's identity and config space written as the model lays it out, the memory
// mapped, a reset, and only then the device's own eventfds bound (a doorbell that came earlier
// waits in its slot's count).
import * as L from '../../assembly/layout.ts';
import { eventfdIsLive } from '../core/eventfds.ts';
import { Device, type DeviceHost } from '../device/device.ts';
import { featureBits, writeConfigSpace, type MemoryPlace } from '../device/layout.ts';
import { readPeers } from '../device/peer-table.ts';
import { ServerClient, type DeviceClient } from '../device/server-client.ts';
import type { AnyModel, SpecBase } from '../device/model.ts';

/** Where the device's memory comes from: a place known now, or its server's handshake. */
export type MemorySource = { memory: MemoryPlace | undefined } | { client: DeviceClient; ready: Promise<void> };

export function buildDevice(host: DeviceHost, model: AnyModel, spec: SpecBase, block: number, source: MemorySource): Device {
  const view = new DataView(host.memory.buffer);
  const client = 'client' in source ? source.client : undefined;
  const memory = 'memory' in source ? source.memory : client!.sharedMemory;
  const layout = model.layout(spec, memory?.size ?? 0, { view, block });
  view.setInt32(block + L.DEV_FEATURES, featureBits(layout), true);
  for (let i = 0; i < L.NAME_SIZE; i++) view.setUint8(block + L.DEV_NAME + i, layout.name?.charCodeAt(i) || 0);
  if (layout.transport === 'pci') writeConfigSpace(view, block, layout);
  const device = new Device(host, model, spec, block, layout, client, 'ready' in source ? source.ready : Promise.resolve());
  // A device maps as much of the memory as its memory BAR is big (the legacy device: size=).
  const mapped = layout.bars.find((bar) => bar.index === layout.memoryBar)?.size;
  if (memory) device.mapMemory({ offset: memory.offset, size: mapped ?? memory.size });
  if (client) client.onMemory = (place) => device.mapMemory({ offset: place.offset, size: mapped ?? place.size });
  if (model.resetAtBuild !== false) host.core.deviceReset(block);
  client?.bindOwnEventfds();
  return device;
}

/** The device's side of its server's protocol (ivshmem-server's, or the model's own), wired to its block. */
export function makeClient(host: DeviceHost, model: AnyModel, spec: SpecBase, block: number, vectors: number): DeviceClient {
  const view = new DataView(host.memory.buffer);
  const rules = model.server!;
  const device = {
    ...peerTableOf(host, block),
    memory: host.memory,
    vectors,
    memoryBytes: host.memory.buffer.byteLength,
    publishIdAtOnce: rules.inRealize,
    idRegister: {
      get: () => view.getInt32(block + L.DEV_VM_ID, true),
      set: (id: number) => view.setInt32(block + L.DEV_VM_ID, id, true),
    },
    checkMemory: (size: number) => rules.checkMemory?.(spec, size),
    eventfdIsLive: (slot: number) => eventfdIsLive(host.memory, slot),
    dialect: rules.dialect,
  };
  return rules.client?.(device, spec) ?? new ServerClient(device);
}

/** How to walk a device block's peer table. */
export function peerTableOf(host: Pick<DeviceHost, 'core' | 'memory'>, block: number) {
  const view = new DataView(host.memory.buffer);
  return {
    core: host.core,
    block,
    peerIds: () => readPeers(view, block).map((p) => p.id),
    ownSlot: (id: number, vector: number) => view.getInt32(host.core.findPeer(block, id) + L.PEER_SLOTS + vector * 4, true),
  };
}
