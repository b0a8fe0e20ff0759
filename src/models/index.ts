// The device models, one folder each: what `-device <name>` and host.spawn({ device }) can
// realize. The generic code finds a model here by its name and never names one itself.
import type { DeviceModel } from '../device/model.ts';
import { ivshmemPlain } from './ivshmem-plain/index.ts';
import { ivshmemDoorbell } from './ivshmem-doorbell/index.ts';
import { ivshmem } from './ivshmem/index.ts';
import { ivshmem2010 } from './ivshmem-2010/index.ts';
import { virtioSdm } from './virtio-sdm/index.ts';

// Each model has its own spec and plan types; the registry only dispatches by name.
export type AnyModel = DeviceModel<any, any>;

export const MODELS: readonly AnyModel[] = [ivshmemPlain, ivshmemDoorbell, ivshmem, ivshmem2010, virtioSdm];

export function findModel(name: string): AnyModel | undefined {
  return MODELS.find((model) => model.name === name);
}

/** A command-line shorthand (`-ivshmem 4,name`) as the -device string it stands for; other text as it is. */
export function expandShorthand(text: string): string {
  const trimmed = text.trim();
  const model = MODELS.find((m) => m.shorthand && trimmed.startsWith(m.shorthand.prefix));
  return model ? model.shorthand!.expand(trimmed) : text;
}
