// `-device virtio-sdm,master=on|off[,max_slaves=N][,chardev=ID]`: the virtio Signal Distribution
// Module of Christian Pinto's 2016 virtio-dev RFC: a virtio-mmio device (its register window is bar(0); no PCI
// config space), device ID 21, a master and its slaves exchanging SDM_IRQ and SDM_BOOT signals
// through two virtqueues, locally through the core or across hosts through the SDM relay. Its
// state lives in its device block (assembly/sdm.ts draws it), its guest RAM too.
//
// Migration is refused (`.unmigratable`): a device's group spans other devices (its master, its
// slaves, a relay room), and a migrated device would leave them behind, so QEMU's answer for a
// device whose state is not self-contained applies.
import * as L from '../../../assembly/layout.ts';
import { unmigratable } from '../../device/migration.ts';
import type { DeviceModel, DevicePlan } from '../../device/model.ts';
import { joinGroup, resolveLink, type SdmLink } from './group.ts';
import { parseSdmSpec, type SdmSpec } from './options.ts';
import { GuestSdm } from './guest-sdm.ts';
import { SdmView } from './view.ts';
import './public-api.ts';

type SdmPlan = DevicePlan & { link: SdmLink };

const BOOT = { name: 'boot', accepts: "'sdm'", check: (value: unknown) => value === 'sdm' } as const;

export const virtioSdm: DeviceModel<SdmSpec, SdmPlan> = {
  name: 'virtio-sdm',
  coreId: L.MODEL_SDM,

  parse: (props) => parseSdmSpec(props),

  resolve: (spec, context) => ({ vectors: 1, link: resolveLink(spec, context) }),

  // A VM spawned with boot: 'sdm' holds its programs back until its master boots it. Joining
  // resets the block (sdmInit); the build must not reset it again, or signals the group sent
  // since (an SDM_BOOT) would be discarded.
  acquire: (spec, plan, context) => joinGroup(spec, plan.link, context, context.spawn?.boot !== 'sdm'),
  resetAtBuild: false,

  layout: () => ({
    transport: 'virtio-mmio',
    revision: 0,
    interruptPin: 0,
    msix: false,
    intx: false,
    vectors: 1,
    bars: [{ index: 0, kind: 'virtio-mmio', size: L.VIRTIO_MMIO_SIZE, type: 0 }],
    pbaOffset: 0,
    extensions: 0,
  }),

  ownMemory: (block) => ({ offset: block + L.SDM_RAM, size: L.SDM_RAM_SIZE }),

  migration: unmigratable('virtio-sdm'),

  host: (device, view) => ({ sdm: new SdmView(view, device.internals.block) }),

  guest: (guest) => {
    const sdm = new GuestSdm(guest);
    return { members: { sdm }, ready: () => sdm.booted() };
  },

  spawnOptions: [BOOT],
};
