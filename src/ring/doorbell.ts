// How a ring side wakes the other and sleeps: a Doorbell. The ring decides *when* to ring (only
// when the other side said it is about to sleep); the doorbell is *how*. Two kinds:
// - futexDoorbell(): Atomics.notify / Atomics.wait on the ring index the sleeper waits to move
//   (two threads of the same shared memory, no device needed);
// - vmDoorbell(vm, peer, vector): an ivshmem doorbell to the peer's vector, and the VM's own
//   interrupt wait (vm.wait / vm.waitAsync with its wait modes), as a real guest driver does.
import { QemuError, checkInteger, show } from '../errors.ts';
import { STOPPED, type Guest, type WaitMode } from '../vm/guest.ts';

export interface Doorbell {
  /** Wakes the other side, which sleeps on `word[index]` (a futex doorbell notifies it). */
  ring(word: Int32Array, index: number): void;
  /**
   * Sleeps until rung, `word[index]` differs from `expected`, or timeoutMs passes. Returns false
   * only when the VM was stopped (a VM doorbell); waking early is always allowed.
   */
  wait(word: Int32Array, index: number, expected: number, timeoutMs: number): boolean;
  waitAsync(word: Int32Array, index: number, expected: number, timeoutMs: number): Promise<boolean>;
}

/** Atomics.wait/notify on the index word itself. Atomics.wait throws on a browser's main thread. */
export function futexDoorbell(): Doorbell {
  return {
    ring(word, index) {
      Atomics.notify(word, index, 1);
    },
    wait(word, index, expected, timeoutMs) {
      Atomics.wait(word, index, expected, timeoutMs < 0 ? Infinity : timeoutMs);
      return true;
    },
    async waitAsync(word, index, expected, timeoutMs) {
      const result = Atomics.waitAsync(word, index, expected, timeoutMs < 0 ? Infinity : timeoutMs);
      if (result.async) await result.value;
      return true;
    },
  };
}

/**
 * The ivshmem way: ring `vector` of `peer` through the Doorbell register; sleep in the VM's
 * interrupt wait. The ring owns that vector: an interrupt taken here is not seen elsewhere.
 */
export function vmDoorbell(vm: Guest, peer: number, vector = 0, mode: WaitMode = 'spin'): Doorbell {
  // Checked now, not at the first ring or wait: by then the ring has published or announced a
  // sleep, and the call would fail half done.
  checkInteger('vmDoorbell: the peer ID', peer, 0, 0xffff);
  checkInteger('vmDoorbell: the vector', vector, 0, 0xff);
  if (mode !== 'block' && mode !== 'poll' && mode !== 'spin') throw new QemuError(`vmDoorbell: mode must be 'block', 'poll' or 'spin', not ${show(mode)}`);
  return {
    ring() {
      vm.ring(peer, vector);
    },
    wait(_word, _index, _expected, timeoutMs) {
      return vm.wait({ mode, timeoutMs }) !== STOPPED;
    },
    async waitAsync(_word, _index, _expected, timeoutMs) {
      return (await vm.waitAsync({ timeoutMs })) !== STOPPED;
    },
  };
}
