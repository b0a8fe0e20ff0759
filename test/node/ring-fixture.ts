// A bare shared memory with the core over it, for ring tests: no host, no devices. Private state
// blocks sit past the control area (the core reads its trace switch there), the shared region
// above them, so a peer scribbling over the region never reaches them.
import { instantiateCore } from '../../src/core/core.ts';
import type { RingContext } from '../../src/ring/ring-core.ts';

export const MEMORY_PAGES = 64; // 4 MiB
export const STATE_A = 0x60000;
export const STATE_B = 0x80000;
export const REGION = { offset: 0x100000, size: 0x40000 };

export async function ringMemory(memory = new WebAssembly.Memory({ initial: MEMORY_PAGES, maximum: MEMORY_PAGES, shared: true })): Promise<RingContext & { memory: WebAssembly.Memory; bytes: Uint8Array }> {
  const core = await instantiateCore(memory);
  return { core, buffer: memory.buffer, memory, bytes: new Uint8Array(memory.buffer) };
}
