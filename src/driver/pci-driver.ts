// The steps every ivshmem guest driver takes, as QEMU's libqos does them in its tests
// (qpci_device_enable, qpci_msix_enable, the table's mask bits). They only use config and BAR
// accesses, so they work on a host-side device and on a VM's device alike.
import * as L from '../../assembly/layout.ts';
import type { Region32, Bar } from '../device/device.ts';
import type { DeviceLayout } from '../device/layout.ts';
import { AccessError, checkInteger } from '../errors.ts';

export interface PciFunction {
  config: Region32;
  bar(index: number): Bar;
}

/** Memory Space, I/O Space and Bus Master (qpci_device_enable). */
export function enableDevice(dev: PciFunction): void {
  const command = dev.config.read(L.PCI_COMMAND, 2);
  dev.config.write(L.PCI_COMMAND, 2, command | L.PCI_COMMAND_IO | L.PCI_COMMAND_MEMORY | L.PCI_COMMAND_MASTER);
}

/** Walks the capability list; returns the offset of capability `id`, or 0. */
export function findCapability(dev: PciFunction, id: number): number {
  if ((dev.config.read(L.PCI_STATUS, 2) & L.PCI_STATUS_CAP_LIST) === 0) return 0;
  const seen = new Set<number>();
  for (let at = dev.config.read(L.PCI_CAPABILITY_LIST, 1) & ~3; at !== 0 && !seen.has(at); at = dev.config.read(at + 1, 1) & ~3) {
    seen.add(at);
    if (dev.config.read(at, 1) === id) return at;
  }
  return 0;
}

/** The MSI-X table size the capability announces (0 without MSI-X). */
export function msixTableSize(dev: PciFunction): number {
  const cap = findCapability(dev, L.PCI_CAP_ID_MSIX);
  return cap ? (dev.config.read(cap + 2, 2) & L.MSIX_FLAGS_QSIZE) + 1 : 0;
}

/** Sets MSI-X Enable (and the function mask if asked), as qpci_msix_enable does. */
export function enableMsix(dev: PciFunction, options: { functionMask?: boolean } = {}): void {
  const cap = findCapability(dev, L.PCI_CAP_ID_MSIX);
  if (!cap) throw new Error('the device has no MSI-X capability');
  const flags = dev.config.read(cap + 2, 2);
  const mask = options.functionMask ? L.MSIX_FLAGS_MASKALL : 0;
  dev.config.write(cap + 2, 2, (flags & ~L.MSIX_FLAGS_MASKALL) | L.MSIX_FLAGS_ENABLE | mask);
}

/** Clears MSI-X Enable in the capability's Message Control: the device stops signalling by MSI-X. */
export function disableMsix(dev: PciFunction): void {
  const cap = findCapability(dev, L.PCI_CAP_ID_MSIX);
  if (cap) dev.config.write(cap + 2, 2, dev.config.read(cap + 2, 2) & ~L.MSIX_FLAGS_ENABLE);
}

function vectorControl(vector: number): number {
  checkInteger('the vector', vector, 0, L.VECTORS_MAX - 1, AccessError);
  return vector * L.MSIX_ENTRY_SIZE + L.MSIX_ENTRY_VECTOR_CTRL;
}

/** Sets the Mask bit of the vector's MSI-X table entry (BAR1): its messages become pending (the PBA bit). */
export function maskVector(dev: PciFunction, vector: number): void {
  const bar = dev.bar(1);
  bar.write(vectorControl(vector), 4, bar.read(vectorControl(vector), 4) | L.MSIX_ENTRY_CTRL_MASKBIT);
}

/** Clears the Mask bit of the vector's MSI-X table entry: a pending message is delivered at once. */
export function unmaskVector(dev: PciFunction, vector: number): void {
  const bar = dev.bar(1);
  bar.write(vectorControl(vector), 4, bar.read(vectorControl(vector), 4) & ~L.MSIX_ENTRY_CTRL_MASKBIT);
}

/** Reads the vector's PBA bit through BAR1, as a driver would (qpci_msix_pending). */
export function msixPending(dev: PciFunction, vector: number): boolean {
  checkInteger('the vector', vector, 0, L.VECTORS_MAX - 1, AccessError);
  const cap = findCapability(dev, L.PCI_CAP_ID_MSIX);
  const pba = dev.config.read(cap + 8, 4) & ~7;
  return ((dev.bar(1).read(pba + Math.floor(vector / 32) * 4, 4) >>> (vector % 32)) & 1) === 1;
}

/** The usual bring-up of an ivshmem-doorbell: enable, MSI-X on, every vector unmasked. */
export function bringUpDoorbell(dev: PciFunction): void {
  enableDevice(dev);
  enableMsix(dev);
  for (let v = 0; v < msixTableSize(dev); v++) unmaskVector(dev, v);
}

/**
 * Rings `vector` of peer `peer` through the Doorbell register: the peer in bits 16..31, the vector
 * in bits 0..15, of which QEMU's ivshmem decodes the low 8 (ivshmem-flat all 16: the device's
 * layout says). Anything that does not fit is refused rather than truncated into another peer's
 * doorbell.
 */
export function ring(dev: PciFunction & { readonly layout?: DeviceLayout }, peer: number, vector: number): void {
  checkInteger('ring: the peer ID', peer, 0, 0xffff, AccessError);
  checkInteger('ring: the vector', vector, 0, (dev.layout?.doorbellVectors ?? 256) - 1, AccessError);
  dev.bar(0).write(L.REG_DOORBELL, 4, ((peer << 16) | vector) >>> 0);
}
