// The core as nothing but a benchmark calls it: an instance of the shipped .wasm (the package's
// build/ivshmem.wasm) over a memory of its own, with one device block laid out as a realized
// ivshmem-doorbell's (model, MSI-X feature, IVPosition), so that a register decode can be timed
// with nothing around it. The memory map comes from the package's public `layout`.
import { layout as L } from '../../src/index.ts';

/** The two register entry points the figure times (the core exports them with these signatures). */
export interface RawCore {
  bar0Read(block: number, offset: number): number;
  bar0Write(block: number, offset: number, value: number): void;
}

export async function rawCore(wasm: ArrayBuffer, ivPosition: number): Promise<{ core: RawCore; block: number; words: Int32Array }> {
  const pages = Math.ceil((L.CONTROL_END + L.DEVICE_BLOCK_SIZE) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const origin = performance.timeOrigin;
  const { instance } = await WebAssembly.instantiate(wasm, {
    env: { memory, now: () => performance.now(), traceTime: () => origin + performance.now() },
  });
  const block = L.CONTROL_END;
  const words = new Int32Array(memory.buffer);
  words[(block + L.DEV_MODEL) >> 2] = L.MODEL_DOORBELL;
  words[(block + L.DEV_FEATURES) >> 2] = L.FEATURE_MSIX;
  words[(block + L.DEV_VM_ID) >> 2] = ivPosition;
  return { core: instance.exports as unknown as RawCore, block, words };
}
