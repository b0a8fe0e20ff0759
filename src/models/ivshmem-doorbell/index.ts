// `-device ivshmem-doorbell,chardev=ID[,vectors=N][,ioeventfd=on|off][,master=on|off]` (QEMU >=
// 2.6): the memory and the peers' eventfds from an ivshmem-server, MSI-X in BAR1, IVPosition the
// server-assigned ID. QEMU's ivshmem_doorbell_realize: the server handshake happens in realize.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import type { DeviceModel } from '../../device/model.ts';
import { ivshmemLayout } from '../ivshmem-common/layout.ts';
import { setProperties, type Extensions, type PciSpec, type PropertyName } from '../ivshmem-common/properties.ts';
import { checkMasterFirst, checkMasterId, checkRoom, checkVectors, findServer, placeOn } from '../ivshmem-common/realize.ts';
import { ivshmemVmstate } from '../ivshmem-common/vmstate.ts';

export interface DoorbellSpec extends PciSpec, Extensions {
  model: 'ivshmem-doorbell';
  chardev: string;
  vectors: number;
  ioeventfd: boolean;
  master: 'on' | 'off' | 'auto';
}

const PROPERTIES: PropertyName[] = ['chardev', 'vectors', 'ioeventfd', 'master', 'x-poll', 'x-peers', 'x-name', 'addr'];

export const ivshmemDoorbell: DeviceModel<DoorbellSpec> = {
  name: 'ivshmem-doorbell',
  coreId: L.MODEL_DOORBELL,

  parse(props, refs) {
    const spec = { model: 'ivshmem-doorbell', id: props.get('id'), vectors: 1, ioeventfd: true, master: 'off' } as DoorbellSpec;
    setProperties(spec, props, PROPERTIES, 'qdict', refs);
    if (!spec.chardev) throw new QemuError("You must specify a 'chardev'");
    return spec;
  },

  resolve(spec, context) {
    const plan = { vectors: spec.vectors, ...placeOn(context, spec), server: findServer(context, spec.model, spec.chardev, 'property') };
    checkRoom(context, spec.model, plan.server);
    checkMasterFirst(spec.master, plan.server);
    checkVectors(spec.vectors);
    return plan;
  },

  server: {
    inRealize: true,
    checkId: (spec, id) => checkMasterId(spec.master, id),
  },

  layout: (spec, memorySize) => ivshmemLayout({
    revision: 1, interruptPin: 0, msix: true, intx: false, vectors: spec.vectors, memorySize, use64: true, extensions: spec,
  }),

  migration: ivshmemVmstate({
    registers: { mask: L.REG_INTRMASK, status: L.REG_INTRSTATUS },
    master: (device) => (device.spec as DoorbellSpec).master,
  }),
};
