// One side of a message ring between two VMs, in BAR2 at `at`: the producer formats the ring and
// streams `count` messages of varying length (pushWait: it sleeps when the ring is full); the
// consumer checks each one (popWait: it sleeps when the ring is empty). Both ring each other's
// vector 0 only when the other said it sleeps. Under a hostile peer (test/programs/ring-hostile.ts)
// a side stops at the first violation and reports it, or gives up after `stallMs` without progress.
import type { Guest, WaitMode } from '../../src/index.ts';
import { guestRings } from '../../src/vm/guest-rings.ts';
import { RingBrokenError } from '../../src/ring/ring-core.ts';
import { MessageProducer, type MessageConsumer } from '../../src/ring/message-ring.ts';
import { announceReady, peerReady, someOtherPeer } from './protocol.ts';

export interface RingStreamArg {
  role: 'producer' | 'consumer';
  count: number;
  capacity: number;
  at: number;
  mode?: WaitMode;
  stallMs?: number;
  /** BAR2 offset of a counter of finished sides (the hostile peer stops when it reaches 2) */
  doneAt?: number;
  /** the other side's ID; default: the first other peer (enough when only two VMs share the server) */
  peer?: number;
  /** BAR2 offset of the hostile peer's word of parts written (test/programs/ring-hostile.ts) */
  partsAt?: number;
}

export interface RingStreamResult {
  role: string;
  moved: number;
  corrupt: number;
  broken: number;
  violations: number;
  stalled: boolean;
  notifies: number;
  suppressed: number;
  sleeps: number;
  /** the hostile peer's parts written, as seen when this side broke / accepted its first corrupt message */
  partsAtBreak?: number;
  partsAtCorrupt?: number;
}

/** Message i: (i * 7919) % 300 bytes, byte k = (i + k) & 0xff, so any damage shows. */
export function message(i: number): Uint8Array {
  const len = (i * 7919) % 300;
  const m = new Uint8Array(len);
  for (let k = 0; k < len; k++) m[k] = (i + k) & 0xff;
  return m;
}

export default async function main(vm: Guest, arg: RingStreamArg): Promise<RingStreamResult> {
  vm.bringUp();
  const rings = guestRings(vm);
  const stallMs = arg.stallMs ?? 20_000;
  const peer = arg.peer ?? await someOtherPeer(vm);
  const partsWritten = () => arg.partsAt === undefined ? undefined : Atomics.load(new Int32Array(vm.device.memoryBar.bytes!.buffer, vm.device.sharedMemory!.offset + arg.partsAt, 1), 0);
  const result: RingStreamResult = { role: arg.role, moved: 0, corrupt: 0, broken: 0, violations: 0, stalled: false, notifies: 0, suppressed: 0, sleeps: 0 };
  let side: MessageProducer | MessageConsumer;
  if (arg.role === 'producer') {
    rings.format(arg.capacity, arg.at);
    announceReady(vm);
    await peerReady(vm, peer);
    side = rings.producer({ at: arg.at, peer, mode: arg.mode });
  } else {
    await peerReady(vm, peer); // the producer has formatted the ring
    side = rings.consumer({ at: arg.at, peer, mode: arg.mode });
    announceReady(vm);
  }
  try {
    for (let i = 0; i < arg.count; i++) {
      if (side instanceof MessageProducer) {
        if (!side.pushWait(message(i), { timeoutMs: stallMs })) { result.stalled = true; break; }
      } else {
        const m = side.popWait({ timeoutMs: stallMs });
        if (!m) { result.stalled = true; break; }
        const want = message(i);
        if (m.length !== want.length || m.some((b, k) => b !== want[k])) {
          if (result.corrupt++ === 0) result.partsAtCorrupt = partsWritten();
        }
      }
      result.moved++;
    }
  } catch (error) {
    if (!(error instanceof RingBrokenError)) throw error;
    result.partsAtBreak = partsWritten();
  }
  result.broken = side.error;
  result.violations = side.violations;
  result.notifies = side.notifies;
  result.suppressed = side.suppressed;
  result.sleeps = side.sleeps;
  if (arg.doneAt !== undefined) Atomics.add(new Int32Array(vm.device.memoryBar.bytes!.buffer, vm.device.sharedMemory!.offset + arg.doneAt, 1), 0, 1);
  vm.log(`${arg.role}: moved ${result.moved}, corrupt ${result.corrupt}, broken ${result.broken}, stalled ${result.stalled}, doorbells ${result.notifies}`);
  return result;
}
