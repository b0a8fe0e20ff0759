// The eventfd slots' TypeScript side (assembly/eventfd.ts is the core's): taking a free slot for
// a server, and the reference count every thread may look at or take, as SCM_RIGHTS keeps an fd
// open while a message carries it. A slot is live while anyone holds a reference to it (a server,
// a device, a client, a message in flight).
import * as L from '../../assembly/layout.ts';
import { QemuError } from '../errors.ts';
import type { CoreExports } from './core.ts';

function words(memory: WebAssembly.Memory, slot: number): Int32Array {
  return new Int32Array(memory.buffer, L.EVENTFD_BASE + slot * L.EVENTFD_STRIDE, L.EVENTFD_STRIDE / 4);
}

const REFS = L.EVENTFD_REFS / 4;

export function eventfdIsLive(memory: WebAssembly.Memory, slot: number): boolean {
  return Atomics.load(words(memory, slot), REFS) > 0;
}

/**
 * Takes a reference on a live slot; false (and nothing taken) for a dead or out-of-range one,
 * which must never come back to life this way.
 */
export function eventfdRefIfLive(memory: WebAssembly.Memory, slot: number): boolean {
  if (!Number.isInteger(slot) || slot < 0 || slot >= L.EVENTFD_SLOTS) return false;
  const word = words(memory, slot);
  for (let refs = Atomics.load(word, REFS); refs > 0;) {
    const seen = Atomics.compareExchange(word, REFS, refs, refs + 1);
    if (seen === refs) return true;
    refs = seen;
  }
  return false;
}

/** Drops a reference taken with eventfdRefIfLive (the core's eventfdUnref, without a core). */
export function eventfdUnrefSlot(memory: WebAssembly.Memory, slot: number): void {
  Atomics.sub(words(memory, slot), REFS, 1);
}

/** The host's table of slots: it hands out free ones, and counts what is held. */
export class EventfdSlots {
  private next = 0;

  constructor(private readonly memory: WebAssembly.Memory, private readonly core: CoreExports) {}

  /** A free slot with one reference (its taker's), its count and binding cleared. */
  allocate(): number {
    for (let i = 0; i < L.EVENTFD_SLOTS; i++) {
      const slot = (this.next + i) % L.EVENTFD_SLOTS;
      const word = words(this.memory, slot);
      if (Atomics.compareExchange(word, REFS, 0, 1) !== 0) continue;
      for (const field of [L.EVENTFD_COUNT, L.EVENTFD_BOUND_DEVICE, L.EVENTFD_BOUND_VECTOR]) {
        Atomics.store(word, field / 4, 0);
      }
      this.next = slot + 1;
      return slot;
    }
    throw new QemuError(`eventfd: Too many open files (all ${L.EVENTFD_SLOTS} eventfd slots are in use)`);
  }

  release(slot: number): void {
    this.core.eventfdUnref(slot);
  }

  isLive(slot: number): boolean {
    return eventfdIsLive(this.memory, slot);
  }

  /** Slots someone holds a reference to, and slots bound to a device. */
  count(): { held: number; bound: number } {
    let held = 0;
    let bound = 0;
    for (let slot = 0; slot < L.EVENTFD_SLOTS; slot++) {
      const word = words(this.memory, slot);
      if (Atomics.load(word, REFS) > 0) held++;
      if (Atomics.load(word, L.EVENTFD_BOUND_DEVICE / 4) !== 0) bound++;
    }
    return { held, bound };
  }
}
