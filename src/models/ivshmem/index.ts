// `-device ivshmem,shm=NAME|chardev=ID[,size=S][,msi=on|off][,vectors=N][,ioeventfd=on|off]
// [,role=master|peer][,use64=0|1]`: the legacy device of QEMU 2.6 to 3.1 (revision 0, interrupt
// pin 1), after the split into plain and doorbell and until its removal in 4.0. It maps `size=`
// bytes of a /dev/shm object or of the server's memory; with msi=off its interrupts are INTx
// through IntrStatus and IntrMask. QEMU 2.9's ivshmem_realize, process_msg_shmem and desugar_shm.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import { isPowerOfTwo, parseSize } from '../../options/size.ts';
import type { DeviceModel, DevicePlan } from '../../device/model.ts';
import { ivshmemLayout } from '../ivshmem-common/layout.ts';
import { setProperties, type PciSpec, type PropertyName } from '../ivshmem-common/properties.ts';
import { checkMasterFirst, checkMasterId, checkRoom, checkVectors, findServer, placeOn } from '../ivshmem-common/realize.ts';
import { ivshmemVmstate } from '../ivshmem-common/vmstate.ts';

export interface LegacySpec extends PciSpec {
  model: 'ivshmem';
  /** a server's chardev, or a POSIX shm object's name: one of the two */
  chardev?: string;
  shm?: string;
  /** BAR2's size in bytes (4M unless size= says otherwise) */
  size: number;
  vectors: number;
  msi: boolean;
  ioeventfd: boolean;
  master: 'on' | 'off' | 'auto';
  use64: boolean;
}

const PROPERTIES: PropertyName[] = ['chardev', 'size', 'vectors', 'ioeventfd', 'msi', 'shm', 'role', 'use64', 'addr'];

// QEMU 2.5's ivshmem_realize, with the size check hw/misc/ivshmem.c made before 2.6.
function checkLegacy(spec: LegacySpec, props: Map<string, string>): void {
  spec.shm = props.get('shm') || undefined;
  if ((spec.chardev !== undefined) === (spec.shm !== undefined)) {
    throw new QemuError("You must specify either 'shm' or 'chardev'");
  }
  const sizeText = props.get('size');
  if (sizeText === undefined) {
    spec.size = 4 << 20;
  } else {
    const size = parseSize(sizeText, 'm');
    if (size === undefined || size > BigInt(Number.MAX_SAFE_INTEGER) || !isPowerOfTwo(Number(size))) {
      throw new QemuError(`Invalid size ${sizeText}`);
    }
    spec.size = Number(size);
  }
  const role = props.get('role');
  if (role !== undefined) {
    if (role === 'peer') spec.master = 'off';
    else if (role === 'master') spec.master = 'on';
    else throw new QemuError("'role' must be 'peer' or 'master'");
  }
}

/** The device maps `size` bytes of the server's memory, which must have them. */
function checkServerMemory(spec: LegacySpec, size: number): void {
  if (size < spec.size) throw new QemuError(`server sent only ${size} bytes of shared memory`);
}

export const ivshmem: DeviceModel<LegacySpec> = {
  name: 'ivshmem',
  coreId: L.MODEL_LEGACY,

  parse(props, refs) {
    const spec = { model: 'ivshmem', id: props.get('id'), vectors: 1, msi: true, ioeventfd: false, master: 'auto', use64: true } as LegacySpec;
    setProperties(spec, props, PROPERTIES, 'given', refs);
    checkLegacy(spec, props);
    if (spec.ioeventfd && !spec.msi) throw new QemuError('ioeventfd/irqfd requires MSI');
    return spec;
  },

  resolve(spec, context): DevicePlan {
    const { placement } = placeOn(context, spec);
    if (spec.chardev !== undefined) {
      const server = findServer(context, spec.model, spec.chardev, 'property');
      checkRoom(context, spec.model, server);
      checkMasterFirst(spec.master, server);
      // QEMU checks the memory's size once the server sent it; asked first, a refusal changes nothing
      if (server.isRunning && server.memorySize !== undefined) checkServerMemory(spec, server.memorySize);
      if (spec.msi) checkVectors(spec.vectors);
      return { vectors: spec.vectors, placement, server };
    }
    // shm= is a memory-backend-file on /dev/shm/NAME of `size` bytes, created with &error_abort:
    // an existing smaller object aborts QEMU with file_ram_alloc's error; refused with those words.
    const path = `/dev/shm/${spec.shm}`;
    const file = context.files.get(path);
    if (file && file.size < spec.size) {
      throw new QemuError(`backing store ${path} size 0x${file.size.toString(16)} does not match 'size' option 0x${spec.size.toString(16)}`);
    }
    return { vectors: spec.vectors, placement, file: { path, size: spec.size } };
  },

  server: {
    inRealize: true,
    checkMemory: checkServerMemory,
    checkId: (spec, id) => checkMasterId(spec.master, id),
  },

  // `size=` bytes are mapped, whatever the memory behind them holds.
  layout: (spec) => ivshmemLayout({
    revision: 0,
    interruptPin: 1,
    msix: spec.msi && spec.chardev !== undefined,
    intx: !spec.msi && spec.chardev !== undefined,
    vectors: spec.vectors,
    memorySize: spec.size,
    use64: spec.use64,
  }),

  migration: ivshmemVmstate({
    registers: { mask: L.REG_INTRMASK, status: L.REG_INTRSTATUS },
    master: (device) => (device.spec as LegacySpec).master,
  }),
};
