// How a ring side wakes the other and sleeps: a Doorbell. The ring decides *when* to ring (only
// when the other side said it is about to sleep); the doorbell is *how*: futexDoorbell() here,
// Atomics.notify / Atomics.wait on the ring index the sleeper waits to move (two threads of the
// same shared memory, no device needed), or a VM's ivshmem doorbell (vmDoorbell, src/vm/guest-rings.ts).

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
