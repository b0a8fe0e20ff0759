// A benchmark's VM: strict ping-pong with the other VM, one batch per run. The first run brings
// the device up and finds the peer; later runs of the same VM reuse that (the module stays loaded
// in the worker). Side 1 rings once to say it runs, side 0 takes that ring (parked, so that it
// leaves the core to side 1's start) and only then starts the clock: a batch times round trips,
// not how long the other worker took to pick up its run message (with 'poll', side 0 spinning
// meanwhile made that milliseconds under load, which the figure then divided among a few rounds).
// Side 0 rings first and times the batch; both count what they receive, so a lost or duplicated
// interrupt fails the benchmark instead of flattering it. The waits have no timeout, like the raw
// Atomics.wait baseline's (a timed wait costs V8 more, and the core one clock read): a lost
// interrupt is caught by the harness, which stops the VMs (vm-pair.ts). The driver path figure
// (bench/figures/driver-path.ts) also rings as a driver does, writing the Doorbell register itself,
// and gives its waits a timeout, which a batch never comes near.
import { layout as L, type Guest, type WaitMode } from '../../src/index.ts';
import { announceReady, peerReady, someOtherPeer } from '../../test/programs/protocol.ts';

export interface BatchArg {
  rounds: number;
  /** side 0 rings first */
  side: 0 | 1;
  mode: WaitMode;
  /** ring by writing BAR0's Doorbell (as a driver does) rather than through vm.ring */
  driver?: boolean;
  /** every wait's timeout (none by default) */
  timeoutMs?: number;
}

let peer: Promise<number> | undefined;

async function setUp(vm: Guest): Promise<number> {
  vm.bringUp();
  announceReady(vm);
  const other = await someOtherPeer(vm);
  await peerReady(vm, other);
  return other;
}

function check(vm: Guest, vector: number, what: string): void {
  if (vector !== 0) throw new Error(`${what}: wait returned ${vector}, not vector 0${vm.stopping ? ' (stopped by the harness: a lost interrupt?)' : ''}`);
}

export default async function main(vm: Guest, arg: BatchArg) {
  peer ??= setUp(vm);
  const other = await peer;
  const { rounds, side, mode, timeoutMs } = arg;
  const options = { mode, timeoutMs };
  const bar0 = vm.device.bar(0);
  const doorbell = (other << 16) >>> 0;
  const ring = arg.driver ? () => bar0.write(L.REG_DOORBELL, 4, doorbell) : () => vm.ring(other, 0);
  let received = 0;
  if (side === 1) ring();
  else check(vm, vm.wait({ mode: 'block' }), 'the go ring');
  const start = performance.now();
  for (let i = 0; i < rounds; i++) {
    if (side === 0) ring();
    check(vm, vm.wait(options), `round ${i}`);
    received++;
    if (side === 1) ring();
  }
  // What the 'spin' policy has done so far in this VM, for the figure's note.
  return { elapsedMs: performance.now() - start, received, spin: vm.spinStats };
}
