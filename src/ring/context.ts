// The rings on a shared WebAssembly.Memory of one's own: a RingContext is the core instantiated
// over the memory (once per thread that uses the rings) and the memory's buffer. A host has one
// (host.ringContext), a guest program has one (guestRings(vm).context); a program that runs rings
// between workers of its own makes one in each worker with this.
import { instantiateCore } from '../core/core.ts';
import { QemuError, show } from '../errors.ts';
import type { RingContext } from './ring-core.ts';

export async function ringContext(memory: WebAssembly.Memory): Promise<RingContext> {
  if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new QemuError(`ringContext: a shared WebAssembly.Memory is needed, not ${show(memory)}`);
  }
  return { core: await instantiateCore(memory), buffer: memory.buffer };
}
