// A benchmark's VM: strict ping-pong with the other VM, one batch per run. The first run brings
// the device up and finds the peer; later runs of the same VM reuse that (the module stays loaded
// in the worker). Side 0 rings first and times the batch; both count what they receive, so a lost
// or duplicated interrupt fails the benchmark instead of flattering it.
import type { Guest, WaitMode } from '../../src/index.ts';
import { announceReady, peerReady, someOtherPeer } from '../../test/programs/protocol.ts';

export interface BatchArg {
  rounds: number;
  /** side 0 rings first */
  side: 0 | 1;
  mode: WaitMode;
}

let peer: Promise<number> | undefined;

async function setUp(vm: Guest): Promise<number> {
  vm.bringUp();
  announceReady(vm);
  const other = await someOtherPeer(vm);
  await peerReady(vm, other);
  return other;
}

export default async function main(vm: Guest, arg: BatchArg) {
  peer ??= setUp(vm);
  const other = await peer;
  const { rounds, side, mode } = arg;
  let received = 0;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (side === 0) vm.ring(other, 0);
    const vector = vm.wait({ mode, timeoutMs: 20_000 });
    if (vector !== 0) throw new Error(`round ${i}: wait returned ${vector}, not vector 0`);
    received++;
    if (side === 1) vm.ring(other, 0);
  }
  return { elapsedMs: performance.now() - start, received };
}
