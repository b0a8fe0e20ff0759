// The second step: taking what a plan needs, each resource registered in the transaction as it is
// taken (src/device/transaction.ts). A failure anywhere undoes exactly what was taken; once the
// device is built, the same list is what it gives back when it is unplugged.
import * as L from '../../assembly/layout.ts';
import type { MemoryPlace } from '../device/layout.ts';
import type { Transaction } from '../device/transaction.ts';
import { QemuError, show } from '../errors.ts';
import type { HostMachine } from '../machine/machine.ts';
import type { MessageSink } from '../server/protocol.ts';
import type { ServerConnection } from '../server/server.ts';
import type { Planned } from './plan.ts';

/** The device's end of its chardev: a client on the host, a VM's inbox for a VM. */
export interface ChardevEnd extends MessageSink {
  close(): void;
}

export interface Acquired {
  block: number;
  /** where its memory is, unless its server is to say */
  memory?: MemoryPlace;
  connection?: ServerConnection;
}

export interface AcquireOptions {
  /** makes the device's end of its chardev, once its block is known */
  chardevEnd?(block: number): ChardevEnd;
  /** host.spawn's options, for a model that declared some */
  spawn?: Record<string, unknown>;
}

export function acquire(machine: HostMachine, { model, spec, plan }: Planned, tx: Transaction, options: AcquireOptions): Acquired {
  const { core, memory: wasmMemory } = machine;
  let memory: MemoryPlace | undefined;
  if (plan.backend) {
    // one device per memdev: held from now on, free again when the device goes
    const backend = plan.backend;
    const holder = {};
    backend.mappedBy = holder;
    tx.take(backend, () => { if (backend.mappedBy === holder) backend.mappedBy = undefined; });
    memory = { offset: backend.region.offset, size: backend.size };
  }
  if (plan.file) {
    const { path, size } = plan.file;
    let file = machine.files.get(path);
    if (!file) {
      // A file on /dev/shm outlives the device that created it; a realize that fails removes it.
      const created = { path, region: machine.allocate(size, path.slice(path.lastIndexOf('/') + 1)), size };
      machine.files.set(path, created);
      tx.onFailure(() => {
        machine.files.delete(path);
        machine.release(created.region);
      });
      file = created;
    }
    memory = { offset: file.region.offset, size };
  }
  const peers = plan.server ? { capacity: machine.maxPeers, vectors: plan.vectors } : undefined;
  const block = tx.take(machine.blocks.take(peers), (b) => machine.blocks.give(b));
  const view = new DataView(wasmMemory.buffer);
  view.setInt32(block + L.DEV_MODEL, model.coreId, true);
  view.setInt32(block + L.DEV_VECTORS, plan.vectors, true);
  view.setInt32(block + L.DEV_VM_ID, plan.server ? -1 : 0, true);
  view.setUint32(block + L.DEV_KEY, machine.nextKey(), true);
  model.acquire?.(spec, plan, { core, memory: wasmMemory, block, tx, spawn: options.spawn });
  memory ??= model.ownMemory?.(block);
  let connection: ServerConnection | undefined;
  if (plan.server) {
    const end = options.chardevEnd!(block);
    // Closed before the connection (the device lets go of its peers, then the server sees it
    // leave), and also if connecting fails half-way, once either way.
    let open = true;
    const close = () => {
      if (open) end.close();
      open = false;
    };
    tx.onFailure(close);
    connection = tx.take(connect(plan.server, end), (c) => c.close());
    tx.take(end, close);
  }
  return { block, memory, connection };
}

function connect(server: NonNullable<Planned['plan']['server']>, sink: MessageSink): ServerConnection {
  try {
    return server.connect(sink);
  } catch (error) {
    // A server of one's own (Host.addChardev) may fail any way it likes; the caller gets ours.
    if (error instanceof QemuError) throw error;
    throw new QemuError(`Failed to connect to '${server.id}': ${error instanceof Error ? error.message : show(error)}`, { cause: error });
  }
}
