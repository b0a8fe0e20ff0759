// The first ivshmem (Cam Macdonell's 2010 patch and spec, posted to the kvm list): `-ivshmem <size in MB>,[unix:]name`, here also
// `-device ivshmem-2010,size=MB,name=[unix:]NAME`. Five 16-bit registers in BAR0 (IntrMask 0,
// IntrStatus 2, Doorbell 4, IVPosition 6, IVLiveList 8), the memory in BAR1, INTx. With a server
// it takes the setup messages as they come: IVPosition reads -1 until the memory has arrived.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import { isPowerOfTwo } from '../../options/size.ts';
import type { DeviceModel, DevicePlan } from '../../device/model.ts';
import { setProperties, type PciSpec, type PropertyName } from '../ivshmem-common/properties.ts';
import { checkRoom, findServer, placeOn } from '../ivshmem-common/realize.ts';
import { ivshmemVmstate } from '../ivshmem-common/vmstate.ts';

export interface Spec2010 extends PciSpec {
  model: 'ivshmem-2010';
  /** the memory's size in bytes (size= is in MB) */
  size: number;
  /** `unix:PATH`: the server's socket; otherwise a POSIX shm object's name */
  chardev?: string;
  shm?: string;
}

const PROPERTIES: PropertyName[] = ['size', 'name', 'addr'];

/** `-ivshmem <size in MB>,[unix:]name`, the 2010 command line, as an ivshmem-2010 string. */
function expand(text: string): string {
  const rest = text.slice('-ivshmem'.length).trim();
  const comma = rest.indexOf(',');
  if (comma < 0) return `ivshmem-2010,size=${rest}`;
  return `ivshmem-2010,size=${rest.slice(0, comma)},name=${rest.slice(comma + 1).replaceAll(',', ',,')}`;
}

// The 2010 patch: size in MB, a power of two; `unix:PATH` names a server, else a shm object.
function check2010(spec: Spec2010, props: Map<string, string>): void {
  const sizeText = props.get('size') ?? '';
  const size = /^[0-9]+$/.test(sizeText) ? Number(sizeText) * (1 << 20) : NaN;
  if (!Number.isSafeInteger(size) || size <= 0) throw new QemuError(`qemu: invalid ram size: ${sizeText}`);
  if (!isPowerOfTwo(size)) throw new QemuError('ivshmem: size must be power of 2');
  spec.size = size;
  const name = props.get('name');
  if (!name) throw new QemuError('ivshmem: a shared memory object name or unix:path is required');
  if (name.startsWith('unix:')) spec.chardev = name.slice('unix:'.length);
  else spec.shm = name;
}

/** QEMU 1.x's check_shm_size. */
function checkShmSize(spec: Spec2010, available: number): void {
  if (spec.size > available) {
    throw new QemuError(`Requested memory size greater than shared object size (${spec.size} > ${available})`);
  }
}

export const ivshmem2010: DeviceModel<Spec2010> = {
  name: 'ivshmem-2010',
  coreId: L.MODEL_2010,
  shorthand: { prefix: '-ivshmem ', expand },

  parse(props, refs) {
    const spec = { model: 'ivshmem-2010', id: props.get('id') } as Spec2010;
    setProperties(spec, props, PROPERTIES, 'given', refs);
    check2010(spec, props);
    return spec;
  },

  resolve(spec, context): DevicePlan {
    const { placement } = placeOn(context, spec);
    if (spec.chardev !== undefined) {
      const server = findServer(context, spec.model, spec.chardev, 'socket');
      checkRoom(context, spec.model, server);
      return { vectors: 1, placement, server };
    }
    const path = `/dev/shm/${spec.shm}`;
    const file = context.files.get(path);
    if (file) checkShmSize(spec, file.size);
    return { vectors: 1, placement, file: { path, size: spec.size } };
  },

  // Its memory is checked when the server's message brings it, after realize.
  server: { inRealize: false, checkMemory: checkShmSize },

  layout: (spec) => ({
    transport: 'pci',
    revision: 0,
    interruptPin: 1,
    msix: false,
    intx: spec.chardev !== undefined,
    vectors: 1,
    bars: [
      { index: 0, kind: 'registers', size: L.BAR0_SIZE, type: 0, registerWidth: 2 },
      { index: 1, kind: 'memory', size: spec.size, type: 0 },
    ],
    pbaOffset: 0,
    memoryBar: 1,
    extensions: 0,
  }),

  // master is 'auto' for the 2010 device: the first client of its server migrates.
  migration: ivshmemVmstate({
    registers: { mask: L.REG2010_INTRMASK, status: L.REG2010_INTRSTATUS },
    master: () => 'auto',
  }),
};
