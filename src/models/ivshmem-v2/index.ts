// `-device ivshmem-v2,chardev=ID[,master=on|off|auto][,ioeventfd=on|off]`: IVSHMEM 2.0, the
// Jailhouse hypervisor's inter-cell device (its specification, Documentation/ivshmem-v2-
// specification.md in siemens/jailhouse), as Jan Kiszka's QEMU RFC implements it (hw/misc/
// ivshmem2.c, never merged, whose device is named "ivshmem" there): everything but the chardev,
// master mode and ioeventfd comes from its ivshmem2-server (src/server/ivshmem2-server.ts) in the
// INIT message. Where the spec, Jailhouse and the RFC disagree, and what was chosen: docs/ivshmem-v2.md.
import * as L from '../../../assembly/layout.ts';
import { QemuError } from '../../errors.ts';
import type { DeviceModel, DevicePlan } from '../../device/model.ts';
import { setProperties, type PciSpec, type PropertyName } from '../ivshmem-common/properties.ts';
import { checkRoom, findServer, placeOn } from '../ivshmem-common/realize.ts';
import { ivshmemVmstate } from '../ivshmem-common/vmstate.ts';
import { IVSHMEM2_PROTOCOL_VERSION } from '../../server/ivshmem2-protocol.ts';
import { TOO_SMALL, V2Client } from './client.ts';
import { v2Layout } from './layout.ts';
import { IvshmemV2View } from './view.ts';
import './public-api.ts';

export interface V2Spec extends PciSpec {
  model: 'ivshmem-v2';
  chardev: string;
  ioeventfd: boolean;
  master: 'on' | 'off' | 'auto';
}

const PROPERTIES: PropertyName[] = ['chardev', 'ioeventfd', 'master', 'addr'];
const NOT_FIRST = 'Master must connect to the server before any peers';

// What the RFC learns from INIT and checks, asked of the server before connecting (as the other
// models do), so that a refusal changes nothing; a server that says nothing is checked at INIT.
function checkServer(spec: V2Spec, server: NonNullable<DevicePlan['server']>): void {
  if (!server.isRunning) return;
  // a version 0 server's first 40 bytes are no INIT message
  if (server.version !== IVSHMEM2_PROTOCOL_VERSION) throw new QemuError('server sent invalid initial info');
  if (server.vectors !== undefined && (server.vectors < 1 || server.vectors > 1024)) {
    throw new QemuError('server sent invalid number of vectors message');
  }
  if (spec.master === 'on' && server.nextId() !== 0) throw new QemuError(NOT_FIRST);
  const { memorySize, maxPeers, outputSectionSize } = server;
  if (memorySize !== undefined && maxPeers !== undefined && outputSectionSize !== undefined
    && outputSectionSize * maxPeers + L.V2_STATE_TABLE_SIZE > memorySize) {
    throw new QemuError(TOO_SMALL);
  }
}

export const ivshmemV2: DeviceModel<V2Spec> = {
  name: 'ivshmem-v2',
  coreId: L.MODEL_V2,

  parse(props, refs) {
    const spec = { model: 'ivshmem-v2', id: props.get('id'), ioeventfd: true, master: 'off' } as V2Spec;
    setProperties(spec, props, PROPERTIES, 'qdict', refs);
    if (!spec.chardev) throw new QemuError("You must specify a 'chardev'");
    return spec;
  },

  resolve(spec, context) {
    const server = findServer(context, spec.model, spec.chardev, 'property');
    checkRoom(context, spec.model, server);
    checkServer(spec, server);
    // the peer table holds as many eventfds per peer as the server hands out (at most 64 each)
    const vectors = Math.min(Math.max(server.vectors ?? L.PEER_VECTORS_MAX, 1), L.PEER_VECTORS_MAX);
    return { vectors, ...placeOn(context, spec), server };
  },

  server: {
    inRealize: true,
    checkId: (spec, id) => {
      if (spec.master === 'on' && id !== 0) throw new QemuError(NOT_FIRST);
    },
    client: (device) => new V2Client(device),
  },

  layout: (_spec, memorySize, block) => {
    if (!block) throw new Error('ivshmem-v2 is laid out from what its server told it: its device block');
    return v2Layout(memorySize, block);
  },

  // The RFC's vmstate: the PCI function, MSI-X, State and Interrupt Control, and from a master the
  // memory (state table, R/W section, output sections); a peer cannot migrate.
  migration: ivshmemVmstate({
    registers: { mask: L.V2_REG_INT_CTRL, status: L.V2_REG_STATE },
    words: { mask: L.V2_INT_CTRL, status: L.V2_STATE },
    master: (device) => (device.spec as V2Spec).master,
  }),

  host: (device, view) => ({ v2: new IvshmemV2View(device, view) }),

  // a v2 driver's probe also turns the device's interrupts on (ivshmem-net, uio_ivshmem)
  bringUp: (device) => device.bar(0).write(L.V2_REG_INT_CTRL, 4, L.V2_INT_ENABLE),
};
