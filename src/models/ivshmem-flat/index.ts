// `ivshmem-flat,chardev=ID[,shmem-size=BYTES][,x-bus-address-iomem=A][,x-bus-address-shmem=A]
// [,x-irq-qompath=PATH]`: QEMU 10.0's ivshmem for machines without PCI (hw/misc/ivshmem-flat.c,
// Cortex-M boards running Zephyr). A sysbus device: MMIO region 0 "ivshmem-mmio" is 16 bytes of
// registers (assembly/ivshmem-flat.ts decodes them), region 1 "ivshmem-shmem" the server's memory,
// shmem-size bytes; one IRQ output, pulsed; up to 64 eventfds per peer. No vectors property: the
// server decides how many eventfds each peer has.
//
// It is not user-creatable in QEMU 10.0 (`-device ivshmem-flat` fails with "Parameter 'driver'
// expects a pluggable device type"): a board's code must create it, map its two regions and wire
// its IRQ, and no board in 10.0 does. host.realize and host.spawn stand for that board code: the
// device is created with QEMU 10.0's properties (chardev, shmem-size) and realized with its
// messages. Where the board puts it is said with the properties of the series' unmerged part (v3,
// December 2024), which made it creatable on lm3s6965evb, mps2 and virt: x-bus-address-iomem and
// x-bus-address-shmem (where the regions are mapped) and x-irq-qompath (the interrupt controller
// input the line is wired to). They default to the series' lm3s6965evb wiring; the guest reaches
// the regions as bar(0) and bar(1) wherever they are, so they change what vm.address and the
// workbench's command line say, never what the device does.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import type { Migration } from '../../device/device.ts';
import type { DeviceModel, DevicePlan, PropertyRefs, SpecBase } from '../../device/model.ts';
import { parseUint32, parseUint64, qdictOrder } from '../../options/option-string.ts';
import { setters } from '../ivshmem-common/properties.ts';
import { checkRoom, findServer } from '../ivshmem-common/realize.ts';
import { FLAT_DIALECT } from './dialect.ts';
import { NO_SERVER, SIZE_DIFFERENT } from './messages.ts';

export interface FlatSpec extends SpecBase {
  model: 'ivshmem-flat';
  chardev?: string;
  /** shmem-size: the memory the device maps, which must be the server's (4 MiB unless set) */
  shmemSize: number;
  /** the board wiring: where its registers and its memory sit, and the IRQ input its line drives */
  iomem: bigint;
  shmem: bigint;
  irq: string;
}

/** The series' lm3s6965evb wiring (its qtest and documentation). */
const LM3S6965EVB = { iomem: 0x400f_f000n, shmem: 0x4010_0000n, irq: '/machine/soc/v7m/nvic/unnamed-gpio-in[0]' };
const SYSBUS = 'main-system-bus';
/** the x-bus-address-* default in the series: "not given" */
const UNSET = (1n << 64n) - 1n;

/** A qdev property as `-device ivshmem-flat,help` lists it: its type and default, and its setter. */
export interface FlatProperty {
  type: 'str' | 'uint32' | 'uint64';
  default?: number | bigint;
  set(spec: FlatSpec, value: string, refs: PropertyRefs): void;
}

// QEMU 10.0's two, then the series' three for the board wiring (which 10.0 does not have)
export const FLAT_PROPERTIES: Record<string, FlatProperty> = {
  chardev: { type: 'str', set: setters.chardev },
  'shmem-size': { type: 'uint32', default: 4 << 20, set: (spec, value) => { spec.shmemSize = parseUint32('shmem-size', value); } },
  // ivshmem_flat_sysbus_wire (v3): UINT64_MAX is its "not given"
  'x-bus-address-iomem': {
    type: 'uint64', default: LM3S6965EVB.iomem,
    set(spec, value) {
      spec.iomem = parseUint64('x-bus-address-iomem', value);
      if (spec.iomem === UNSET) throw new QemuError("No address for iomem (MMRs) specified. Can't create ivshmem-flat device. Use 'x-bus-address-iomem' option.");
    },
  },
  'x-bus-address-shmem': {
    type: 'uint64', default: LM3S6965EVB.shmem,
    set(spec, value) {
      spec.shmem = parseUint64('x-bus-address-shmem', value);
      if (spec.shmem === UNSET) throw new QemuError("No address for shmem specified. Can't create ivshmem-flat device. Use 'x-bus-address-shmem' option.");
    },
  },
  // any path: there is no board here to resolve it against, only an empty one resolves to nothing
  'x-irq-qompath': {
    type: 'str',
    set(spec, value) {
      if (value === '') throw new QemuError("Can't resolve IRQ QOM path.");
      spec.irq = value;
    },
  },
};

function checkSize(spec: FlatSpec, size: number): void {
  if (size !== spec.shmemSize) throw new QemuError(SIZE_DIFFERENT);
}

/** QEMU's ivshmem-flat has no vmstate: a migration carries nothing of it (nor of its memory, whose RAM it never registers). */
const NO_VMSTATE: Migration = {
  save: () => new Uint8Array(0),
  load(_device, state) {
    if (!(state instanceof Uint8Array) || state.byteLength !== 0) {
      throw new QemuError('ivshmem-flat: a migration carries no state of this device (it has no vmstate), and this is not empty');
    }
  },
};

export const ivshmemFlat: DeviceModel<FlatSpec> = {
  name: 'ivshmem-flat',
  coreId: L.MODEL_FLAT,

  parse(props, refs) {
    const spec: FlatSpec = { model: 'ivshmem-flat', id: props.get('id'), shmemSize: Number(FLAT_PROPERTIES['shmem-size'].default), ...LM3S6965EVB };
    // qdev_device_add finds the bus first: a sysbus device goes on the main system bus only
    const bus = props.get('bus');
    if (bus !== undefined && bus !== SYSBUS) {
      refs.bus?.(bus);
      throw new QemuError("Device 'ivshmem-flat' can't go on PCI bus");
    }
    for (const key of qdictOrder([...props.keys()].filter((k) => k !== 'id' && k !== 'bus'))) {
      const property = Object.hasOwn(FLAT_PROPERTIES, key) ? FLAT_PROPERTIES[key] : undefined;
      if (!property) throw new QemuError(`Property 'ivshmem-flat.${key}' not found`);
      property.set(spec, props.get(key)!, refs);
    }
    if (!spec.chardev) throw new QemuError(NO_SERVER);
    return spec;
  },

  resolve(spec, context): DevicePlan {
    const server = findServer(context, spec.model, spec.chardev!, 'property');
    checkRoom(context, spec.model, server);
    // QEMU compares the sizes once the server sent its memory; asked first, a refusal changes nothing
    if (server.isRunning && server.memorySize !== undefined) checkSize(spec, server.memorySize);
    return { vectors: L.FLAT_VECTORS, server };
  },

  server: { inRealize: true, checkMemory: checkSize, dialect: FLAT_DIALECT },

  layout: (spec) => ({
    transport: 'sysbus',
    revision: 0,
    interruptPin: 0,
    msix: false,
    intx: false,
    pulse: true,
    irq: spec.irq,
    vectors: 1,
    doorbellVectors: 1 << 16,
    bars: [
      { index: 0, kind: 'registers', size: L.FLAT_MMIO_SIZE, type: 0, name: 'ivshmem-mmio', address: spec.iomem },
      { index: 1, kind: 'memory', size: spec.shmemSize, type: 0, name: 'ivshmem-shmem', address: spec.shmem },
    ],
    pbaOffset: 0,
    memoryBar: 1,
    extensions: 0,
  }),

  migration: NO_VMSTATE,
};
