// host.spawn: the realize pipeline for a device that lives in a VM's worker. The same plan and the
// same transaction as host.realize (src/realize/); the host takes the device's resources (its
// block, its server connection through the VM's inbox, an SDM group) and its worker, and the
// worker finishes the server handshake and builds the device (src/vm-worker.ts). A VM is a
// QEMU process of its own: its device goes on a fresh machine, with its own bus and device IDs.
import * as Comlink from 'comlink';
import * as L from '../../assembly/layout.ts';
import { Device } from '../device/device.ts';
import { closePeerTable } from '../device/server-client.ts';
import { Transaction } from '../device/transaction.ts';
import { QemuError } from '../errors.ts';
import type { HostMachine } from '../machine/machine.ts';
import type { AnyModel, ModelRegistry } from '../device/model.ts';
import { Topology, type Machine as MachineType, type Placement } from '../pci/topology.ts';
import type { DeviceLayout } from '../device/layout.ts';
import { acquire } from '../realize/acquire.ts';
import { peerTableOf } from '../realize/build.ts';
import { commit } from '../realize/realize.ts';
import { planDevice, type Planned } from '../realize/plan.ts';
import { InboxWriter } from '../server/inbox.ts';
import type { VmApi, VmInit, VmStarted } from './protocol.ts';
import { Vm, type SpawnOptions, type VmLink } from './vm.ts';
import { startWorkerThread, type WorkerThread } from './worker-thread.ts';

const OPTIONS = ['device', 'program', 'arg', 'machine', 'linux'];

/** What runs over the device in the worker: a guest program (src/vm-worker.ts) or another kind. */
export interface WorkerKind<T extends { terminate(): Promise<void> }> {
  thread(): Promise<WorkerThread>;
  /** what the worker's start() gets besides the device (VmInit's own fields are the device's) */
  init?: Record<string, unknown>;
  transfer?: Transferable[];
  /** refuses, before anything is taken, a device this kind cannot run over (a QemuError) */
  check?(planned: Planned): void;
  /** what the worker writes on its log channel (default: VmLink.lines, one line a message) */
  onLog?(data: unknown): void;
  /** the host's handle on the VM, once its device is committed */
  make(device: Device, link: VmLink): T;
}

/** Where a device with no PCI slot sits: a sysbus device where the board maps its registers. */
function busPlace(layout: DeviceLayout): Placement {
  const at = layout.bars[0]?.address;
  return { bus: layout.transport, address: at === undefined ? '' : `0x${at.toString(16)}` };
}

/** Options a model declared for itself are only for that model (virtio-sdm's boot: 'sdm'). */
function checkModelOptions(models: ModelRegistry, model: AnyModel, options: SpawnOptions): Record<string, unknown> {
  const given = options as unknown as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (OPTIONS.includes(key) || value === undefined) continue;
    const owner = models.all.find((m) => m.spawnOptions?.some((o) => o.name === key));
    const option = owner?.spawnOptions!.find((o) => o.name === key);
    if (!owner || !option) continue;
    if (owner !== model || !option.check(value)) {
      throw new QemuError(`${key}: ${typeof value === 'string' ? `'${value}'` : String(value)} is only for a ${owner.name} device, as ${key}: ${option.accepts}`);
    }
    own[key] = value;
  }
  return own;
}

export function spawnVm(machine: HostMachine, models: ModelRegistry, options: SpawnOptions, machineType: MachineType): Promise<Vm> {
  return spawnInWorker(machine, models, options, machineType, {
    thread: startWorkerThread,
    init: { program: options.program === undefined ? undefined : String(options.program) },
    make: (device, link) => new Vm(device, machine.memory, link, options),
  });
}

/** The realize pipeline for a device in a VM's worker; `kind` says what runs over it there. */
export async function spawnInWorker<T extends { terminate(): Promise<void> }>(
  machine: HostMachine, models: ModelRegistry, options: { device: string }, machineType: MachineType, kind: WorkerKind<T>,
): Promise<T> {
  const target = { topology: Topology.fresh(machineType), deviceIds: new Set<string>() };
  const planned = planDevice(machine, models, options.device, target);
  const { model, spec, plan } = planned;
  kind.check?.(planned);
  const spawn = checkModelOptions(models, model, options);
  const tx = new Transaction();
  try {
    const { block, memory } = acquire(machine, planned, tx, {
      chardevEnd: (at) => new InboxWriter(machine.memory, at),
      spawn,
    });
    const traceThread = tx.take(machine.trace.openThread(), (thread) => machine.trace.closeThread(thread));
    // The worker is gone: the host closes what its device held (QEMU's exit does this).
    tx.take(block, () => {
      const id = new DataView(machine.memory.buffer).getInt32(block + L.DEV_VM_ID, true);
      closePeerTable(peerTableOf(machine, block), id);
    });
    const channel = tx.take(new MessageChannel(), (c) => c.port1.close());
    const lines: string[] = [];
    channel.port1.onmessage = (event: MessageEvent) => (kind.onLog ? kind.onLog(event.data) : lines.push(String(event.data)));
    const thread = await kind.thread();
    tx.onFailure(() => thread.terminate());
    const api = Comlink.wrap<VmApi>(thread.endpoint);
    const exited = thread.exited.then((reason) => { throw new QemuError(reason); });
    exited.catch(() => {});
    const init: VmInit = {
      memory: machine.memory,
      module: machine.module,
      block,
      model: model.name,
      spec,
      vectors: plan.vectors,
      server: plan.server !== undefined,
      memoryPlace: memory,
      log: channel.port2,
      thread: traceThread,
      address: plan.placement?.address ?? '',
      ...kind.init,
    };
    const started: VmStarted = await Promise.race([exited, api.start(Comlink.transfer(init, [channel.port2, ...(kind.transfer ?? [])]))]);
    // The host's view of the device: the same block, decoded by the host's core.
    const device = new Device(machine, model, spec, block, model.layout(spec, started.memory.size, { view: new DataView(machine.memory.buffer), block }), undefined, Promise.resolve());
    device.mapMemory(started.memory);
    commit(machine, target, planned, device, tx);
    const vm = kind.make(device, {
      thread,
      machine: machineType,
      placement: plan.placement ?? busPlace(device.layout),
      traceThread,
      api,
      lines,
      onEnd: () => {
        machine.unplug(device);
        device.unrealize();
      },
    });
    device.onUnplug = () => void vm.terminate();
    return vm;
  } catch (error) {
    await tx.rollback();
    throw error;
  }
}
