// Ring producer/consumer: the producer lays a message ring out in BAR2 at `at` and pushes bursts
// of text messages; the consumer pops them (popWait: it sleeps in vm.wait when the ring is empty).
// Each rings the other's vector 0 only when the other announced it sleeps, so a burst costs one
// doorbell, not one per message. Both write their counters at 0x80 + id * 16 for the page.
import type { WorkbenchGuest } from '../guest/runner.ts';
import { guestRings } from '../../src/index.ts';

export interface RingStreamArg { role: 'producer' | 'consumer'; at: number; capacity: number; burst: number; restMs: number }

export default async function main(vm: WorkbenchGuest, arg: RingStreamArg) {
  vm.bringUp();
  const bar = vm.device.memoryBar;
  const ready = (id: number) => bar.read(id * 4, 4) === 1;
  const other = () => vm.peers().map((p) => p.id).find((id) => id !== vm.id && ready(id));
  const rings = guestRings(vm);
  if (arg.role === 'producer') rings.format(arg.capacity, arg.at);
  let peer = other();
  // The producer is ready once the ring is laid out; the consumer attaches after that.
  if (arg.role === 'producer') bar.write(vm.id * 4, 4, 1);
  while (peer === undefined) {
    if (await vm.waitAsync({ timeoutMs: 50 }) === -2) return 0;
    peer = other();
  }
  const side = arg.role === 'producer' ? rings.producer({ at: arg.at, peer }) : rings.consumer({ at: arg.at, peer });
  if (arg.role === 'consumer') bar.write(vm.id * 4, 4, 1);
  const stats = (moved: number) => {
    bar.write(0x80 + vm.id * 16, 4, moved);
    bar.write(0x84 + vm.id * 16, 4, side.notifies);
    bar.write(0x88 + vm.id * 16, 4, side.suppressed);
  };
  let moved = 0;
  const text = new TextEncoder();
  for (;;) {
    if (vm.stopping) return moved;
    if ('pushWait' in side) {
      for (let i = 0; i < arg.burst; i++) {
        if (!side.pushWait(text.encode(`message ${moved} from VM ${vm.id}`), { timeoutMs: 500 })) break;
        moved++;
      }
      stats(moved);
      vm.log(`pushed ${moved} messages; doorbells rung ${side.notifies}, spared ${side.suppressed}`);
      if (await vm.waitAsync({ timeoutMs: arg.restMs }) === -2) return moved;
    } else {
      const m = side.popWait({ timeoutMs: 500 });
      if (!m) continue;
      moved++;
      if (moved % arg.burst === 0) {
        stats(moved);
        vm.log(`popped ${moved}: "${new TextDecoder().decode(m)}"; doorbells rung ${side.notifies}`);
      }
    }
  }
}
