// What the ivshmem family's realize functions check before they take anything: the memdev, the
// server behind the chardev (room for one more peer, master=on only as the first client, the
// memory's size, the vector count msix_init takes), or the shm object. A plan that resolves here
// is realized unless a resource runs out.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import { isPowerOfTwo } from '../../options/size.ts';
import type { ServerEndpoint } from '../../server/server.ts';
import type { DevicePlan, ResolveContext } from '../../device/model.ts';
import type { PciSpec } from './properties.ts';

/** The server behind chardev=; the 2010 device names a socket path rather than a chardev. */
export function findServer(context: ResolveContext, model: string, name: string, missing: 'property' | 'socket'): ServerEndpoint {
  const server = context.findServer(name);
  if (server) return server;
  if (missing === 'socket') throw new QemuError(`Failed to connect to '${name}': No such file or directory`);
  throw new QemuError(`Property '${model}.chardev' can't find value '${name}'`);
}

/**
 * Every device's table holds every peer, itself included: past the host's limit a device would be
 * deaf to the others (or they to it), so it is refused here rather than realized.
 */
export function checkRoom(context: ResolveContext, model: string, server: ServerEndpoint): void {
  const peers = server.peerIds?.length ?? 0;
  if (server.isRunning && peers >= context.maxPeers) {
    throw new QemuError(`${model}: server '${server.id}' has ${peers} peers, as many as a device here can track (Host.create({ maxPeers }), now ${context.maxPeers})`);
  }
}

const NOT_FIRST = 'master must connect to the server before any peers';

/** master=on needs ID 0: asked of the server before connecting, so a refusal changes nothing. */
export function checkMasterFirst(master: 'on' | 'off' | 'auto', server: ServerEndpoint): void {
  if (master === 'on' && server.isRunning && server.nextId() !== 0) throw new QemuError(NOT_FIRST);
}

/** After a modern handshake: master=on needs ID 0 (QEMU checks it only now). */
export function checkMasterId(master: 'on' | 'off' | 'auto', id: number): void {
  if (master === 'on' && id !== 0) throw new QemuError(NOT_FIRST);
}

/** msix_init's check, which QEMU makes after the server handshake (and after the master check). */
export function checkVectors(vectors: number): void {
  if (vectors < 1 || vectors > L.VECTORS_MAX) throw new QemuError('Failed to initialize interrupts: The number of MSI-X vectors is invalid');
}

/** QEMU 7.2 aborts on a memdev whose size is no power of two (pci_register_bar asserts); refused with its words. */
export function checkBarSize(size: number): void {
  if (!isPowerOfTwo(size)) throw new QemuError("pci_register_bar: Assertion `is_power_of_2(size)' failed.");
}

/** The PCI slot, from bus= and addr= on the machine it goes on. */
export function placeOn(context: ResolveContext, spec: PciSpec): Pick<DevicePlan, 'placement'> {
  return { placement: context.topology.place(spec.model, spec.bus, spec.addr) };
}
