// `-device ivshmem-plain,memdev=ID[,master=on|off][,x-name=TEXT]` (QEMU >= 2.6): the shared
// memory of a memory backend in BAR2, no interrupts, IVPosition 0. QEMU's ivshmem_plain_realize.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import type { DeviceModel } from '../../device/model.ts';
import { ivshmemLayout } from '../ivshmem-common/layout.ts';
import { setProperties, type Extensions, type PciSpec, type PropertyName } from '../ivshmem-common/properties.ts';
import { checkBarSize, placeOn } from '../ivshmem-common/realize.ts';
import { ivshmemVmstate } from '../ivshmem-common/vmstate.ts';

export interface PlainSpec extends PciSpec, Pick<Extensions, 'xName'> {
  model: 'ivshmem-plain';
  memdev: string;
  master: 'on' | 'off' | 'auto';
}

const PROPERTIES: PropertyName[] = ['memdev', 'master', 'x-name', 'addr'];

export const ivshmemPlain: DeviceModel<PlainSpec> = {
  name: 'ivshmem-plain',
  coreId: L.MODEL_PLAIN,

  parse(props, refs) {
    const spec = { model: 'ivshmem-plain', id: props.get('id'), master: 'off' } as PlainSpec;
    setProperties(spec, props, PROPERTIES, 'qdict', refs);
    if (!spec.memdev) throw new QemuError("You must specify a 'memdev'");
    refs.memdevFree?.(spec.memdev);
    return spec;
  },

  resolve(spec, context) {
    const plan = { vectors: 1, ...placeOn(context, spec), backend: context.objects.get(spec.memdev)! };
    checkBarSize(plan.backend.size);
    return plan;
  },

  layout: (spec, memorySize) => ivshmemLayout({
    revision: 1, interruptPin: 0, msix: false, intx: false, vectors: 1, memorySize, use64: true, extensions: spec,
  }),

  migration: ivshmemVmstate({
    registers: { mask: L.REG_INTRMASK, status: L.REG_INTRSTATUS },
    master: (device) => (device.spec as PlainSpec).master,
  }),
};
