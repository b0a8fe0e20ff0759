// Migration state, as QEMU's vmstate for ivshmem saves it: PCI config space, the MSI-X table
// and PBA (doorbell), IntrStatus and IntrMask (ivshmem-v2: State and Interrupt Control, as the
// RFC's vmstate has them), and, from a master only, the shared memory (QEMU
// registers it as RAM of the master). Peers and eventfds are not saved: the destination connects
// to its own server. A device with master=off blocks migration, as in QEMU.
//
//   +0  magic "IVSM"  +4 format 1  +8 model  +12 vectors  +16 IntrStatus  +20 IntrMask
//   +24 shared memory bytes that follow (0 unless master)  +28 reserved
//   +32 config space (256)  +288 PBA (256)  +544 MSI-X table (vectors x 16)  then memory
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import type { Device } from '../../device/device.ts';
import type { Migration } from '../../device/device.ts';
import { checkPciConfig } from '../../device/migration.ts';

const MAGIC = 0x4d535649;
const HEADER = 32;
const PBA_BYTES = 256;

export interface IvshmemVmstate {
  /** IntrMask and IntrStatus in BAR0 (the 2010 device's registers are 16-bit, elsewhere) */
  registers: { mask: number; status: number };
  /** where the block keeps them, if not at DEV_INTRMASK and DEV_INTRSTATUS (ivshmem-v2: Interrupt Control, State) */
  words?: { mask: number; status: number };
  /** master=on|off|auto of the device's spec */
  master(device: Device): 'on' | 'off' | 'auto';
}

export function ivshmemVmstate(rules: IvshmemVmstate): Migration {
  const words = rules.words ?? { mask: L.DEV_INTRMASK, status: L.DEV_INTRSTATUS };
  // With master=auto, the first client of the server (ID 0) is the master, as in QEMU.
  const isMaster = (device: Device) => {
    const master = rules.master(device);
    return master === 'on' || (master === 'auto' && device.ivPosition === 0);
  };
  return {
    save(device) {
      if (!isMaster(device)) throw new QemuError("Migration is disabled when using feature 'peer mode' in device 'ivshmem'");
      const { memory, block } = device.internals;
      const shared = device.sharedMemory;
      const tableBytes = device.layout.msix ? device.vectors * L.MSIX_ENTRY_SIZE : 0;
      const memoryBytes = shared?.size ?? 0;
      const state = new Uint8Array(HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes + memoryBytes);
      const out = new DataView(state.buffer);
      const src = new DataView(memory.buffer);
      out.setUint32(0, MAGIC, true);
      out.setUint32(4, 1, true);
      out.setUint32(8, src.getInt32(block + L.DEV_MODEL, true), true);
      out.setUint32(12, device.vectors, true);
      out.setUint32(16, src.getUint32(block + words.status, true), true);
      out.setUint32(20, src.getUint32(block + words.mask, true), true);
      out.setUint32(24, memoryBytes, true);
      const bytes = new Uint8Array(memory.buffer);
      state.set(bytes.subarray(block + L.DEV_CONFIG, block + L.DEV_CONFIG + L.CONFIG_SIZE), HEADER);
      state.set(bytes.subarray(block + L.DEV_PBA, block + L.DEV_PBA + PBA_BYTES), HEADER + L.CONFIG_SIZE);
      state.set(bytes.subarray(block + L.DEV_MSIX_TABLE, block + L.DEV_MSIX_TABLE + tableBytes), HEADER + L.CONFIG_SIZE + PBA_BYTES);
      if (shared) state.set(bytes.subarray(shared.offset, shared.offset + memoryBytes), HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes);
      return state;
    },

    load(device, state) {
      if (!isMaster(device)) throw new QemuError("'peer' devices are not migratable");
      if (!(state instanceof Uint8Array) || state.byteLength < HEADER) throw new QemuError('ivshmem: migration state is truncated');
      const { memory, block, core } = device.internals;
      const input = new DataView(state.buffer, state.byteOffset, state.byteLength);
      const view = new DataView(memory.buffer);
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
      checkPciConfig(device, state.subarray(HEADER, HEADER + L.CONFIG_SIZE));
      const bytes = new Uint8Array(memory.buffer);
      bytes.set(state.subarray(HEADER, HEADER + L.CONFIG_SIZE), block + L.DEV_CONFIG);
      bytes.set(state.subarray(HEADER + L.CONFIG_SIZE, HEADER + L.CONFIG_SIZE + PBA_BYTES), block + L.DEV_PBA);
      bytes.set(state.subarray(HEADER + L.CONFIG_SIZE + PBA_BYTES, HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes), block + L.DEV_MSIX_TABLE);
      if (shared && memoryBytes) bytes.set(state.subarray(HEADER + L.CONFIG_SIZE + PBA_BYTES + tableBytes), shared.offset);
      // IntrMask and IntrStatus go through the registers so the INTx level follows them.
      core.bar0Write(block, rules.registers.mask, input.getUint32(20, true));
      core.bar0Write(block, rules.registers.status, input.getUint32(16, true));
    },
  };
}
