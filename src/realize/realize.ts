// host.realize: the whole pipeline on the host. Plan (no side effect), take the resources in a
// transaction, finish the server handshake where the model does it in realize, build the device,
// and commit: its slot on the host's machine and its id are taken last, and the lease it holds
// from then on is what unplugging gives back. A failure at any step undoes every step before it.
import type { Device } from '../device/device.ts';
import type { ModelRegistry } from '../device/model.ts';
import { Transaction } from '../device/transaction.ts';
import type { HostMachine, MachineContext } from '../machine/machine.ts';
import type { DeviceClient } from '../device/server-client.ts';
import { acquire } from './acquire.ts';
import { buildDevice, makeClient } from './build.ts';
import { planDevice, type Planned } from './plan.ts';

export function realizeOnHost(machine: HostMachine, models: ModelRegistry, text: string): Device {
  const planned = planDevice(machine, models, text, machine);
  const { model, spec, plan } = planned;
  const tx = new Transaction();
  try {
    let client: DeviceClient | undefined;
    const acquired = acquire(machine, planned, tx, {
      chardevEnd: (block) => (client = makeClient(machine, model, spec, block, plan.vectors)),
    });
    let ready: Promise<void> = Promise.resolve();
    if (client && model.server!.inRealize) {
      client.setup();
      model.server!.checkId?.(spec, client.id);
    } else if (client) {
      ready = client.setupAsync();
    }
    const device = buildDevice(machine, model, spec, acquired.block, client ? { client, ready } : { memory: acquired.memory });
    commit(machine, machine, planned, device, tx);
    device.onUnplug = () => machine.unplug(device);
    return device;
  } catch (error) {
    void tx.rollback();
    throw error;
  }
}

/**
 * The device is built: it takes its slot and id on its machine (the host's, or a VM's own) and
 * joins the host's devices with what it holds.
 */
export function commit(machine: HostMachine, target: MachineContext, { plan, spec }: Planned, device: Device, tx: Transaction): void {
  if (plan.placement) {
    const placement = plan.placement;
    target.topology.occupy(placement, `${spec.model}${spec.id ? `,id=${spec.id}` : ''}`, device);
    tx.take(placement, () => target.topology.vacate(placement, device));
  }
  if (spec.id !== undefined) {
    const id = spec.id;
    target.deviceIds.add(id);
    tx.take(id, () => target.deviceIds.delete(id));
  }
  machine.devices.set(device, tx.commit());
}
