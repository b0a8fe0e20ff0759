// Migration state, as QEMU's vmstate for the device saves it: PCI config space, the MSI-X table
// and PBA (doorbell), IntrStatus and IntrMask, and, from a master only, the shared memory (QEMU
// registers it as RAM of the master). Peers and eventfds are not saved: the destination connects
// to its own server. A device with master=off blocks migration, as in QEMU.
//
//   +0  magic "IVSM"  +4 format 1  +8 model  +12 vectors  +16 IntrStatus  +20 IntrMask
//   +24 shared memory bytes that follow (0 unless master)  +28 reserved
//   +32 config space (256)  +288 PBA (256)  +544 MSI-X table (vectors x 16)  then memory
import * as L from '../../assembly/layout.ts';
import { QemuError } from '../errors.ts';
import type { Device } from './device.ts';

const MAGIC = 0x4d535649;
const HEADER = 32;
const PBA_BYTES = 256;

function isMaster(device: Device): boolean {
  return device.spec.master === 'on' || (device.spec.master === 'auto' && device.ivPosition === 0);
}

function registerOffsets(device: Device): { mask: number; status: number } {
  return device.model === 'ivshmem-2010'
    ? { mask: L.REG2010_INTRMASK, status: L.REG2010_INTRSTATUS }
    : { mask: L.REG_INTRMASK, status: L.REG_INTRSTATUS };
}

export function saveState(device: Device, memory: WebAssembly.Memory): Uint8Array {
  if (!isMaster(device)) throw new QemuError("Migration is disabled when using feature 'peer mode' in device 'ivshmem'");
  const shared = device.sharedMemory;
  const tableBytes = device.layout.msix ? device.vectors * L.MSIX_ENTRY_SIZE : 0;
  const memoryBytes = shared?.size ?? 0;
  const state = new Uint8Array(HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes + memoryBytes);
  const out = new DataView(state.buffer);
  const src = new DataView(memory.buffer);
  const block = device.block;
  out.setUint32(0, MAGIC, true);
  out.setUint32(4, 1, true);
  out.setUint32(8, src.getInt32(block + L.DEV_MODEL, true), true);
  out.setUint32(12, device.vectors, true);
  out.setUint32(16, src.getUint32(block + L.DEV_INTRSTATUS, true), true);
  out.setUint32(20, src.getUint32(block + L.DEV_INTRMASK, true), true);
  out.setUint32(24, memoryBytes, true);
  const bytes = new Uint8Array(memory.buffer);
  state.set(bytes.subarray(block + L.DEV_CONFIG, block + L.DEV_CONFIG + L.CONFIG_SIZE), HEADER);
  state.set(bytes.subarray(block + L.DEV_PBA, block + L.DEV_PBA + PBA_BYTES), HEADER + L.CONFIG_SIZE);
  state.set(bytes.subarray(block + L.DEV_MSIX_TABLE, block + L.DEV_MSIX_TABLE + tableBytes), HEADER + L.CONFIG_SIZE + PBA_BYTES);
  if (shared) state.set(bytes.subarray(shared.offset, shared.offset + memoryBytes), HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes);
  return state;
}

// pci_init_cmask + pci_add_capability: the bytes a migration stream must agree on (identity,
// the capability list bit and pointer, the capabilities themselves), unless software can write them.
function checkedMask(device: Device): Uint8Array {
  const cmask = new Uint8Array(L.CONFIG_SIZE);
  cmask.fill(0xff, L.PCI_VENDOR_ID, L.PCI_VENDOR_ID + 4);
  cmask[L.PCI_STATUS] = L.PCI_STATUS_CAP_LIST;
  cmask.fill(0xff, L.PCI_REVISION_ID, L.PCI_REVISION_ID + 4);
  cmask[L.PCI_HEADER_TYPE] = 0xff;
  cmask[L.PCI_CAPABILITY_LIST] = 0xff;
  if (device.layout.msix) cmask.fill(0xff, L.MSIX_CAP, L.MSIX_CAP + L.PCI_CAP_MSIX_SIZEOF);
  return cmask;
}

// get_pci_config_device: a byte that differs where it is checked and not writable fails the load.
function checkConfig(device: Device, memory: WebAssembly.Memory, config: Uint8Array): void {
  const bytes = new Uint8Array(memory.buffer);
  const at = (base: number, i: number) => bytes[device.block + base + i];
  const cmask = checkedMask(device);
  const x = (n: number) => n.toString(16);
  for (let i = 0; i < L.CONFIG_SIZE; i++) {
    const own = at(L.DEV_CONFIG, i);
    const wmask = at(L.DEV_WMASK, i);
    const w1cmask = at(L.DEV_W1CMASK, i);
    if ((config[i] ^ own) & cmask[i] & ~wmask & ~w1cmask) {
      throw new QemuError(`get_pci_config_device: Bad config data: i=0x${x(i)} read: ${x(config[i])} device: ${x(own)} `
        + `cmask: ${x(cmask[i])} wmask: ${x(wmask)} w1cmask:${x(w1cmask)}`);
    }
  }
}

export function loadState(device: Device, memory: WebAssembly.Memory, state: Uint8Array): void {
  if (!isMaster(device)) throw new QemuError("'peer' devices are not migratable");
  if (!(state instanceof Uint8Array) || state.byteLength < HEADER) throw new QemuError('ivshmem: migration state is truncated');
  const input = new DataView(state.buffer, state.byteOffset, state.byteLength);
  const view = new DataView(memory.buffer);
  const block = device.block;
  if (input.getUint32(0, true) !== MAGIC || input.getUint32(4, true) !== 1) throw new QemuError('ivshmem: not an ivshmem migration state');
  const model = input.getUint32(8, true);
  const vectors = input.getUint32(12, true);
  if (model !== view.getInt32(block + L.DEV_MODEL, true) || vectors !== device.vectors) {
    throw new QemuError(`ivshmem: migration state is for another configuration (model ${model}, ${vectors} vectors)`);
  }
  const tableBytes = device.layout.msix ? vectors * L.MSIX_ENTRY_SIZE : 0;
  const memoryBytes = input.getUint32(24, true);
  const shared = device.sharedMemory;
  if (memoryBytes !== 0 && memoryBytes !== shared?.size) {
    throw new QemuError(`ivshmem: migration state carries ${memoryBytes} bytes of shared memory, the device maps ${shared?.size ?? 0}`);
  }
  if (state.byteLength !== HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes + memoryBytes) {
    throw new QemuError('ivshmem: migration state is truncated');
  }
  checkConfig(device, memory, state.subarray(HEADER, HEADER + L.CONFIG_SIZE));
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(state.subarray(HEADER, HEADER + L.CONFIG_SIZE), block + L.DEV_CONFIG);
  bytes.set(state.subarray(HEADER + L.CONFIG_SIZE, HEADER + L.CONFIG_SIZE + PBA_BYTES), block + L.DEV_PBA);
  bytes.set(state.subarray(HEADER + L.CONFIG_SIZE + PBA_BYTES, HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes), block + L.DEV_MSIX_TABLE);
  if (shared && memoryBytes) bytes.set(state.subarray(HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes), shared.offset);
  // IntrMask and IntrStatus go through the registers so the INTx level follows them.
  const { mask, status } = registerOffsets(device);
  device.hostCore.bar0Write(block, mask, input.getUint32(20, true));
  device.hostCore.bar0Write(block, status, input.getUint32(16, true));
}
