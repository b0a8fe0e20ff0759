// What virtio-sdm adds to the public API, declared by the model rather than by the generic
// classes: `device.sdm` on the host (its view, read from its block), `vm.sdm` in a guest (its
// driver), and host.spawn's `boot: 'sdm'`. The model's `host`, `guest` and `spawnOptions` provide
// them at run time (src/models/virtio-sdm/index.ts).
import type { SdmView } from './view.ts';
import type { GuestSdm } from './guest-sdm.ts';

declare module '../../device/device.ts' {
  interface Device {
    /** virtio-sdm: its id, group, counters and boot state; undefined on other models. */
    readonly sdm: SdmView | undefined;
  }
}

declare module '../../vm/guest.ts' {
  interface Guest {
    /** virtio-sdm: the device's driver (signal, irq, boot, next); undefined on other models */
    readonly sdm: GuestSdm | undefined;
  }
}

declare module '../../vm/vm.ts' {
  interface SpawnOptions {
    /**
     * virtio-sdm: 'sdm' holds the program back until the VM's device receives an SDM_BOOT (as a
     * remoteproc-managed core waits for its master); by default it starts at once
     */
    boot?: 'sdm';
  }
}
