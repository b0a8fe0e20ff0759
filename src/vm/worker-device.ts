// A VM worker's device, whatever runs over it (a guest program, or a Linux kernel in an
// emulator): the core instantiated over the host's shared memory, the device realized with its
// model, finishing the server handshake from its inbox as a QEMU process does in realize or
// after. The host took the resources (src/vm/spawn.ts); the entry points (src/vm-worker.ts,
// src/linux-worker.ts) hand over the model registry.
import { instantiateCore, type CoreExports } from '../core/core.ts';
import type { Device, DeviceHost } from '../device/device.ts';
import type { AnyModel, ModelRegistry } from '../device/model.ts';
import type { DeviceClient } from '../device/server-client.ts';
import { buildDevice, makeClient } from '../realize/build.ts';
import { InboxReader } from '../server/inbox.ts';
import * as L from '../../assembly/layout.ts';
import type { VmInit } from './protocol.ts';

export interface WorkerDevice {
  device: Device;
  model: AnyModel;
  core: CoreExports;
  /** takes the server's messages that have arrived (new peers, departed peers) */
  pump: () => void;
}

async function realize(init: VmInit, model: AnyModel, host: DeviceHost & { core: CoreExports }, inbox: InboxReader | undefined): Promise<{ device: Device; client?: DeviceClient }> {
  if (!inbox) return { device: buildDevice(host, model, init.spec, init.block, { memory: init.memoryPlace }) };
  const client = makeClient(host, model, init.spec, init.block, init.vectors);
  const setup = client.setupAsync();
  setup.catch(() => {});
  if (model.server!.inRealize) {
    await inbox.feedUntilSettled(client, setup);
    await setup;
    model.server!.checkId?.(init.spec, client.id);
    return { device: buildDevice(host, model, init.spec, init.block, { client, ready: setup }), client };
  }
  const device = buildDevice(host, model, init.spec, init.block, { client, ready: setup });
  await inbox.feedUntilSettled(client, setup);
  await setup;
  return { device, client };
}

export async function startWorkerDevice(init: VmInit, models: ModelRegistry): Promise<WorkerDevice> {
  const view = new DataView(init.memory.buffer);
  if (view.getUint32(L.HEADER_MAGIC, true) !== L.MAGIC || view.getUint32(L.HEADER_VERSION, true) !== L.LAYOUT_VERSION) {
    throw new Error(`the shared memory was not laid out by this version of ivshmem-wasm (layout ${L.LAYOUT_VERSION})`);
  }
  const core: CoreExports = await instantiateCore(init.memory, init.module);
  core.traceThread(init.thread);
  const inbox = init.server ? new InboxReader(init.memory, init.block) : undefined;
  let client: DeviceClient | undefined;
  // QEMU handles its server socket while the vCPU runs; here the VM takes what has arrived
  // before every register access and every wait, so a doorbell to a newcomer finds it.
  const pump = () => {
    if (inbox?.pending && client?.isSetUp) inbox.drain(client);
  };
  const model = models.find(init.model)!;
  const realized = await realize(init, model, { core, memory: init.memory, beforeRegisterAccess: pump }, inbox);
  client = realized.client;
  return { device: realized.device, model, core, pump };
}
