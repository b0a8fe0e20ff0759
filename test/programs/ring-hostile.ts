// A hostile peer: writes random bytes over [at, at + length) of BAR2 (a ring's header, indices,
// descriptors, data) in bursts, a quarter of them aimed at the `hot` offsets (indices, event
// words), until `doneAt` counts `victims` finished sides or `maxBursts` bursts have been written.
// It starts once the word at `startWhenAt` is non-zero (the stream is under way). Before it first
// writes into one of the `parts` (offsets from `at`), it sets that part's bit in the word at
// `partsAt`: a victim that reads the word when it breaks knows which parts had been written by
// then (sequentially consistent atomics: a write that caused the violation has its bit visible).
import type { Guest } from '../../src/index.ts';

export interface HostileArg {
  at: number;
  length: number;
  hot: number[];
  doneAt: number;
  victims: number;
  startWhenAt: number;
  maxBursts: number;
  seed: number;
  /** [from, to) offsets from `at`; bit k of the word at partsAt is set before part k is first written */
  parts: [number, number][];
  partsAt: number;
}

export default async function main(vm: Guest, arg: HostileArg) {
  const base = vm.device.sharedMemory!.offset;
  const bytes = new Uint8Array(vm.device.memoryBar.bytes!.buffer);
  const words = new Int32Array(bytes.buffer);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let seed = arg.seed >>> 0 || 1;
  const random = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed; };
  const deadline = performance.now() + 60_000;
  while (Atomics.load(words, (base + arg.startWhenAt) / 4) === 0 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  let writes = 0;
  let bursts = 0;
  while (Atomics.load(words, (base + arg.doneAt) / 4) < arg.victims && bursts < arg.maxBursts) {
    for (let k = 0; k < 8; k++) {
      const hot = random() % 4 === 0;
      const offset = hot ? arg.hot[random() % arg.hot.length] : random() % arg.length;
      const n = 1 + (random() % Math.min(8, arg.length - offset));
      arg.parts.forEach(([from, to], k) => { if (offset < to && offset + n > from) Atomics.or(words, (base + arg.partsAt) / 4, 1 << k); });
      for (let j = 0; j < n; j++) bytes[base + arg.at + offset + j] = random() & 0xff;
      writes++;
    }
    bursts++;
    Atomics.wait(pause, 0, 0, 0.2); // let the victims run between bursts
  }
  vm.log(`hostile: ${writes} random writes in ${bursts} bursts`);
  return { writes, bursts };
}
