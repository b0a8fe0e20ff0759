// A benchmark's VM for figure 2. Roles:
//   'sink'    brings the device up and returns (deliveries are counted without being taken)
//   'peer'    parks in a blocking wait `rounds` times, writing when it woke into the shared memory;
//             without a timeout, since its first wait lasts as long as the other peers take to spawn
//             (the host stops it when the figure ends)
//   'sender'  rings every peer in turn, `rounds` times, and reports when the last one had woken, or
//             which round failed and how many peers had woken within `budgetMs`
//   'rate'    rings one peer `count` times as fast as it can
// Shared memory (BAR2): ready flags at 0 (test/programs/protocol.ts); the round each peer has
// seen at SEEN + 4 * id; the time it woke (ms, performance.timeOrigin + performance.now()) at
// WOKE + 8 * id.
import type { Guest } from '../../src/index.ts';
import { announceReady, peerReady } from '../../test/programs/protocol.ts';

const SEEN = 0x4000;
const WOKE = 0x8000;

export interface FanOutArg {
  role: 'sink' | 'peer' | 'sender' | 'rate';
  rounds?: number;
  peers?: number[];
  count?: number;
  /** sender: how long a round may take */
  budgetMs?: number;
}

const clock = () => performance.timeOrigin + performance.now();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function views(vm: Guest) {
  const bytes = vm.device.memoryBar.bytes!;
  return {
    seen: new Int32Array(bytes.buffer, bytes.byteOffset + SEEN, 4096),
    woke: new Float64Array(bytes.buffer, bytes.byteOffset + WOKE, 4096),
  };
}

export default async function main(vm: Guest, arg: FanOutArg) {
  vm.bringUp();
  announceReady(vm);
  const { seen, woke } = views(vm);
  const rounds = arg.rounds ?? 1;
  switch (arg.role) {
    case 'sink':
      return vm.id;
    case 'peer':
      for (let r = 1; r <= rounds; r++) {
        const vector = vm.wait({ mode: 'block' });
        if (vector < 0 && vm.stopping) return vm.id;
        if (vector !== 0) throw new Error(`peer ${vm.id}, round ${r}: wait returned ${vector}`);
        woke[vm.id] = clock();
        Atomics.store(seen, vm.id, r);
      }
      return vm.id;
    case 'rate': {
      const [peer] = arg.peers!;
      await peerReady(vm, peer);
      const count = arg.count!;
      const start = performance.now();
      for (let i = 0; i < count; i++) vm.ring(peer, 0);
      return performance.now() - start;
    }
    case 'sender': {
      const peers = arg.peers!;
      const budgetMs = arg.budgetMs ?? 60_000;
      for (const p of peers) await peerReady(vm, p, budgetMs);
      const times: number[] = [];
      for (let r = 1; r <= rounds; r++) {
        // Long enough for every peer to be parked again.
        await pause(20);
        const start = clock();
        for (const p of peers) vm.ring(p, 0);
        const deadline = performance.now() + budgetMs;
        while (!peers.every((p) => Atomics.load(seen, p) >= r)) {
          if (performance.now() > deadline) {
            const late = peers.filter((p) => Atomics.load(seen, p) < r);
            return { failed: `round ${r}: ${peers.length - late.length} of ${peers.length} peers woke within ${budgetMs / 1000} s (not: ${late.slice(0, 8).join(', ')}${late.length > 8 ? ', ...' : ''})` };
          }
          await pause(1);
        }
        times.push(Math.max(...peers.map((p) => woke[p])) - start);
      }
      return { times };
    }
  }
}
