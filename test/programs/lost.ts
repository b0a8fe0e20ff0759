// "Nothing lost": every VM rings random peers (itself included) on random vectors and toggles its
// own masks at random (entry mask bits and the function mask) until the host says stop; then it
// unmasks everything and takes what is left. Before each ring it counts the ring in the shared
// memory (sent[dest][vector]); after each take it reads that counter back (the snapshot). The
// host checks the guarantee (README "Guarantees") from the counters and the snapshots.
//
// Shared memory (BAR2, the server's), 32-bit words:
//   0 ready count   1 stop flag   2 done count   64.. sent[dest * VECTORS_MAX + vector]
import type { Guest } from '../../src/index.ts';

export const WORD_READY = 0;
export const WORD_STOP = 1;
export const WORD_DONE = 2;
export const SENT_BASE = 64;
export const VECTORS_MAX = 8;

export interface LostArg {
  vms: number;
  vectors: number;
  seed: number;
}

export interface LostResult {
  id: number;
  rings: number;
  maskToggles: number;
  takes: number[];
  /** sent[id][v] read right after the last take of v (-1 if v was never taken) */
  lastSnapshot: number[];
  /** a take on a vector nobody had rung yet (sent[id][v] was 0): must never happen */
  unjustified: number;
}

// xorshift32: reproducible per VM from the run's seed
function random(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

export default async function main(vm: Guest, arg: LostArg): Promise<LostResult> {
  vm.bringUp();
  const bytes = vm.device.memoryBar.bytes!;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, 64 + arg.vms * VECTORS_MAX);
  const rand = random(arg.seed * 7919 + vm.id + 1);
  const takes = new Array(arg.vectors).fill(0);
  const lastSnapshot = new Array(arg.vectors).fill(-1);
  let unjustified = 0;
  const take = () => {
    for (let v = vm.device.interrupts.take(); v >= 0; v = vm.device.interrupts.take()) {
      takes[v]++;
      const seen = Atomics.load(words, SENT_BASE + vm.id * VECTORS_MAX + v);
      if (seen === 0) unjustified++;
      lastSnapshot[v] = seen;
    }
  };
  Atomics.add(words, WORD_READY, 1);
  while (Atomics.load(words, WORD_READY) < arg.vms) await new Promise((r) => setTimeout(r, 1));

  let rings = 0;
  let maskToggles = 0;
  let functionMasked = false;
  const masked = new Array(arg.vectors).fill(false);
  while (Atomics.load(words, WORD_STOP) === 0) {
    for (let i = 0; i < 64; i++) {
      const r = rand();
      if (r < 0.8) {
        const dest = Math.floor(rand() * arg.vms);
        const vector = Math.floor(rand() * arg.vectors);
        Atomics.add(words, SENT_BASE + dest * VECTORS_MAX + vector, 1);
        vm.ring(dest, vector);
        rings++;
      } else if (r < 0.9) {
        const v = Math.floor(rand() * arg.vectors);
        masked[v] = !masked[v];
        if (masked[v]) vm.driver.maskVector(vm.device, v);
        else vm.driver.unmaskVector(vm.device, v);
        maskToggles++;
      } else if (r < 0.93) {
        functionMasked = !functionMasked;
        vm.driver.enableMsix(vm.device, { functionMask: functionMasked });
        maskToggles++;
      } else {
        take();
      }
    }
    await new Promise((r) => setTimeout(r, 0)); // the control port stays responsive
  }
  // Rings are over once every VM has said so; then unmask, and take what is left.
  Atomics.add(words, WORD_DONE, 1);
  while (Atomics.load(words, WORD_DONE) < arg.vms) await new Promise((r) => setTimeout(r, 1));
  // Only what is masked is unmasked: a pending bit must go out on the very write that unmasks
  vm.driver.enableMsix(vm.device, { functionMask: false });
  for (let v = 0; v < arg.vectors; v++) if (masked[v]) vm.driver.unmaskVector(vm.device, v);
  take();
  return { id: vm.id, rings, maskToggles, takes, lastSnapshot, unjustified };
}
