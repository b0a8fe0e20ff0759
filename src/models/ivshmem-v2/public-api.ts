// What ivshmem-v2 adds to the public API, declared by the model rather than by the generic
// classes: `device.v2` (on the host, and `vm.device.v2` in a guest), provided at run time by the
// model's `host` (src/models/ivshmem-v2/index.ts).
import type { IvshmemV2View } from './view.ts';

declare module '../../device/device.ts' {
  interface Device {
    /** ivshmem-v2: its state, its sections and the parts of them it writes; undefined on other models */
    readonly v2: IvshmemV2View | undefined;
  }
}
