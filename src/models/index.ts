// The device models, one folder each: what `-device <name>` and host.spawn({ device }) can
// realize. The generic code gets this registry from the host and the VM worker, finds a model in
// it by name, and never names one itself.
import type { AnyModel, ModelRegistry } from '../device/model.ts';
import { ivshmemPlain } from './ivshmem-plain/index.ts';
import { ivshmemDoorbell } from './ivshmem-doorbell/index.ts';
import { ivshmem } from './ivshmem/index.ts';
import { ivshmem2010 } from './ivshmem-2010/index.ts';
import { virtioSdm } from './virtio-sdm/index.ts';
import { ivshmemFlat } from './ivshmem-flat/index.ts';
import { ivshmemV2 } from './ivshmem-v2/index.ts';

export const MODELS: readonly AnyModel[] = [ivshmemPlain, ivshmemDoorbell, ivshmem, ivshmem2010, virtioSdm, ivshmemFlat, ivshmemV2];

export const models: ModelRegistry = {
  all: MODELS,
  find: (name) => MODELS.find((model) => model.name === name),
  expand(text) {
    const trimmed = text.trim();
    const model = MODELS.find((m) => m.shorthand && trimmed.startsWith(m.shorthand.prefix));
    return model ? model.shorthand!.expand(trimmed) : text;
  },
};
