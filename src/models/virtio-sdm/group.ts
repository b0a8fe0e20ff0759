// A virtio-sdm device's group: what its chardev names (the master device of a local group, or an
// SDM socket chardev for the relay), and joining it. The device lives on the host (host.realize)
// or in a VM (host.spawn); either way the host joins it to its group before the device is used,
// and takes it out when it goes.
import { QemuError } from '../../errors.ts';
import type { Device } from '../../device/device.ts';
import type { SdmSocketOptions } from '../../chardev/sdm-socket.ts';
import type { AcquireContext, ResolveContext } from '../../device/model.ts';
import type { SdmSpec } from './options.ts';
import { SdmSocketChannel } from './socket-channel.ts';

/** What a virtio-sdm device's chardev names. */
export interface SdmLink {
  /** the master of a local group (a slave's chardev=ID) */
  master?: Device;
  /** the relay and room of a group across hosts (an SDM socket chardev) */
  socket?: SdmSocketOptions;
}

export function resolveLink(spec: SdmSpec, context: ResolveContext): SdmLink {
  const name = spec.chardev;
  if (name === undefined) return {};
  const socket = context.sdmSocket(name);
  if (socket) return { socket };
  const device = context.findDevice(name);
  if (!device) throw new QemuError(`Property 'virtio-sdm.chardev' can't find value '${name}'`);
  if (spec.master) throw new QemuError(`virtio-sdm: a master's chardev must be an SDM socket chardev, and '${name}' is a device`);
  if (device.sdm?.master !== true) throw new QemuError(`virtio-sdm: '${name}' is not a virtio-sdm master`);
  return { master: device };
}

/**
 * Sets the block up and joins the group, registering the leave in the transaction; throws
 * QEMU-style when the master has no room. `booted`: whether the guest program may run before an
 * SDM_BOOT.
 */
export function joinGroup(spec: SdmSpec, link: SdmLink, context: AcquireContext, booted: boolean): void {
  const { core, memory, block, tx } = context;
  core.sdmInit(block, spec.master ? 1 : 0, spec.maxSlaves, booted ? 1 : 0, link.socket ? 1 : 0);
  if (link.socket) {
    const channel = new SdmSocketChannel(core, memory, block, link.socket, spec.master);
    tx.take(channel, () => {
      channel.close();
      core.sdmLeave(block);
    });
    return;
  }
  if (link.master) {
    const master = link.master;
    if (core.sdmAttach(master.internals.block, block, 0) < 0) {
      const view = master.sdm!;
      throw new QemuError(`virtio-sdm: master '${master.id}' is full: max_slaves is ${view.maxSlaves} and ${view.currentSlaves} slaves are connected`);
    }
  }
  tx.take(block, () => core.sdmLeave(block));
}
