// Realizing a virtio-sdm device: find what its chardev names (the master device of a local group,
// or an SDM socket chardev for the relay), set its block up, join its group. The device lives on
// the host (host.realize) or in a VM (host.spawn); either way the host joins it to its group
// before the device is used, and takes it out when it goes.
import * as L from '../../assembly/layout.ts';
import { QemuError } from '../errors.ts';
import { Device, type DeviceHost } from '../device/device.ts';
import type { DeviceSpec } from '../device/models.ts';
import { pciLayout } from '../device/pci-layout.ts';
import { allocateBlock, type RealizeHost, type ResolvedDevice } from '../device/realize.ts';
import { SdmSocketChannel, type SdmSocketOptions } from './socket-channel.ts';

/** What a virtio-sdm device's chardev names. */
export interface SdmLink {
  /** the master of a local group (a slave's chardev=ID) */
  master?: Device;
  /** the relay and room of a group across hosts (an SDM socket chardev) */
  socket?: SdmSocketOptions;
}

/** A device's place in its group, until it leaves. */
export interface SdmMembership {
  leave(): void;
  /** the socket channel, for a group across the relay */
  channel?: SdmSocketChannel;
}

export function resolveSdm(host: RealizeHost & { sdmSockets?: Map<string, SdmSocketOptions> }, spec: DeviceSpec): ResolvedDevice {
  const name = spec.chardev;
  if (name === undefined) return { spec, sdm: {} };
  const socket = host.sdmSockets?.get(name);
  if (socket) return { spec, sdm: { socket } };
  const device = host.devices.find((d) => d.id === name);
  if (!device) throw new QemuError(`Property 'virtio-sdm.chardev' can't find value '${name}'`);
  if (spec.sdm!.master) throw new QemuError(`virtio-sdm: a master's chardev must be an SDM socket chardev, and '${name}' is a device`);
  if (device.model !== 'virtio-sdm' || !device.sdm!.master) throw new QemuError(`virtio-sdm: '${name}' is not a virtio-sdm master`);
  return { spec, sdm: { master: device } };
}

/**
 * Sets the block up and joins the group; throws QEMU-style when the master has no room (the
 * caller frees the block). `booted`: whether the guest program may run before an SDM_BOOT.
 */
export function joinSdm(dh: DeviceHost, resolved: ResolvedDevice, block: number, booted: boolean): SdmMembership {
  const { spec } = resolved;
  const { master, maxSlaves } = spec.sdm!;
  const socket = resolved.sdm?.socket;
  dh.core.sdmInit(block, master ? 1 : 0, maxSlaves, booted ? 1 : 0, socket ? 1 : 0);
  if (socket) {
    const channel = new SdmSocketChannel(dh.core, dh.memory, block, socket, master);
    return {
      channel,
      leave: () => {
        channel.close();
        dh.core.sdmLeave(block);
      },
    };
  }
  const masterDevice = resolved.sdm?.master;
  if (masterDevice) {
    const id = dh.core.sdmAttach(masterDevice.block, block, 0);
    if (id < 0) {
      const view = masterDevice.sdm!;
      throw new QemuError(`virtio-sdm: master '${masterDevice.id}' is full: max_slaves is ${view.maxSlaves} and ${view.currentSlaves} slaves are connected`);
    }
  }
  return { leave: () => dh.core.sdmLeave(block) };
}

/** The Device over an SDM block that joinSdm set up (on the host, or in the VM's worker). */
export function buildSdmDevice(dh: DeviceHost, spec: DeviceSpec, block: number): Device {
  const device = new Device(dh, spec, block, pciLayout(spec, 0), undefined, Promise.resolve());
  device.mapMemory(block + L.SDM_RAM, L.SDM_RAM_SIZE);
  return device;
}

/** host.realize('virtio-sdm,...'). */
export function realizeSdm(host: RealizeHost, resolved: ResolvedDevice): Device {
  const block = allocateBlock(host, resolved.spec);
  let membership: SdmMembership;
  try {
    membership = joinSdm(host, resolved, block, true);
  } catch (error) {
    host.freeDeviceBlock(block);
    throw error;
  }
  const device = buildSdmDevice(host, resolved.spec, block);
  host.attach(device, { cleanup: () => membership.leave() });
  return device;
}
