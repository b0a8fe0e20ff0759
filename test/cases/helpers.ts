import { expect } from 'chai';
import { driver, layout as L, type Host, type MessageSink } from '../../src/index.ts';
import { machineOf } from '../../src/host.ts';

export { driver };

/** BAR0 register offsets of the 32-bit layout. */
export const REG = { INTRMASK: 0, INTRSTATUS: 4, IVPOSITION: 8, DOORBELL: 12 } as const;
/** BAR0 register offsets of the 2010 16-bit layout. */
export const REG2010 = { INTRMASK: 0, INTRSTATUS: 2, DOORBELL: 4, IVPOSITION: 6, IVLIVELIST: 8 } as const;

/**
 * A server and two enabled ivshmem-doorbell devices on it, `a` then `b`; `extraA` adds properties
 * to `a` (an x- extension, say).
 */
export function doorbellPair(host: Host, vectors = 2, extraA = '') {
  host.addServer({ id: 'srv', size: '1M', vectors });
  const a = host.realize(`ivshmem-doorbell,chardev=srv,vectors=${vectors}${extraA}`);
  const b = host.realize(`ivshmem-doorbell,chardev=srv,vectors=${vectors}`);
  driver.enableDevice(a);
  driver.enableDevice(b);
  return { a, b, idA: a.ivPosition, idB: b.ivPosition };
}

/**
 * Resolves once `condition()` holds (it may be async: a question to a VM worker); fails after
 * `budgetMs` (generous: a loaded machine is slow).
 */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition', budgetMs = 20_000): Promise<void> {
  const deadline = performance.now() + budgetMs;
  while (!await condition()) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen within ${budgetMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * The host holds what it held at `before`: the same devices, VMs and eventfds, and the same memory,
 * counting a freed device block kept for reuse as free.
 */
export function sameHolding(host: Host, before: ReturnType<Host['resources']>): void {
  const now = host.resources();
  expect({ ...now, freeBytes: 0, spareBlocks: 0 }).to.deep.equal({ ...before, freeBytes: 0, spareBlocks: 0 });
  expect(now.freeBytes + now.spareBlocks * L.DEVICE_BLOCK_SIZE, 'free memory').to.equal(before.freeBytes + before.spareBlocks * L.DEVICE_BLOCK_SIZE);
}

/**
 * A chardev to a scripted server: it sends `script` on connect, and records the connection's sink
 * (to send more later) and the hang-up.
 */
export function scripted(host: Host, id: string, script: (sink: MessageSink) => void) {
  const state = { closed: false, connects: 0, sink: undefined as MessageSink | undefined };
  host.addChardev({
    id,
    socket: `/tmp/${id}`,
    isRunning: true,
    nextId: () => undefined,
    connect(sink) {
      state.connects++;
      state.sink = sink;
      script(sink);
      return { id: 0, close: () => { state.closed = true; } };
    },
  });
  return state;
}

/** A live eventfd slot, as a server would hand one out. */
export function liveSlot(host: Host): number {
  return machineOf(host).allocateEventfd();
}
